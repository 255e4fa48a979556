import type { NetworkingSettings } from "../config/types.ts";
import type { ExternalPeer, Peer } from "../shared/endpoints.ts";
import type { Entrance } from "./policies.ts";

export interface ExposableEndpoint {
  peer: Peer | ExternalPeer;
  port: number;
}

export interface Exposure {
  /** Suffix of the LoadBalancer Service's name. */
  name: "sql" | "s3";
  peer: Peer;
  port: number;
}

/**
 * What leaves the namespace through a LoadBalancer: only what the settings ask for, and only when it runs
 * here (an external SQL database is not ours to expose).
 */
export function exposures(
  settings: NetworkingSettings,
  sql: ExposableEndpoint | undefined,
  s3: ExposableEndpoint | undefined,
): Exposure[] {
  const wanted: [Exposure["name"], boolean, ExposableEndpoint | undefined][] = [
    ["sql", settings.exposeSql, sql],
    ["s3", settings.exposeS3, s3],
  ];
  return wanted.flatMap(([name, on, endpoint]) =>
    on && endpoint !== undefined && !("external" in endpoint.peer)
      ? [{ name, peer: endpoint.peer, port: endpoint.port }]
      : [],
  );
}

export function entrances(
  settings: NetworkingSettings,
  app: Peer | undefined,
  appPorts: number[],
  exposed: Exposure[],
): Entrance[] {
  return [
    ...(app === undefined || appPorts.length === 0
      ? []
      : [
          {
            peer: app,
            ports: appPorts,
            fromNamespace: settings.ingressNamespace,
            reason: `the ingress controller in ${settings.ingressNamespace} forwards HTTP to ${app.name}`,
          },
        ]),
    ...exposed.map((e) => ({
      peer: e.peer,
      ports: [e.port],
      reason: `networking.expose${e.name === "sql" ? "Sql" : "S3"} publishes ${e.peer.name} through a LoadBalancer`,
    })),
  ];
}
