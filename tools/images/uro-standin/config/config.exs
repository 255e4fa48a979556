import Config

# Build-time configuration. Everything that depends on the environment the release runs in is read in
# config/runtime.exs, as in a Phoenix application.
config :logger, :console,
  format: "$time [$level] uro-standin: $message $metadata\n",
  metadata: [:node]

config :uro_standin, server: false
