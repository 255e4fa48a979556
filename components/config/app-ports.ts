// The app's Erlang distribution ports: validation keeps the HTTP and metrics ports off them, and the
// app component opens exactly these.

/** epmd, which Erlang nodes ask for each other's distribution port. */
export const EPMD_PORT = 4369;
/**
 * The distribution listener. Erlang picks a random port by default, which no NetworkPolicy can name; the
 * release is pinned to this one through `inet_dist_listen_min/max` (see distributionEnv in
 * components/app) so the app↔app policy allows exactly epmd and this port.
 */
export const DIST_PORT = 9100;
export const EPMD_PORT_NAME = "epmd";
export const DIST_PORT_NAME = "erl-dist";
