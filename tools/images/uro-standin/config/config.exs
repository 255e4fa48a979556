import Config

# Build-time configuration. Everything that depends on the environment the release runs in is read in
# config/runtime.exs, as in a Phoenix application.
config :logger, :console,
  format: "$time [$level] uro-standin: $message $metadata\n",
  metadata: [:node]

config :uro_standin, server: false

# A fixture for the "release whose migration fails" test: build.sh sets URO_STANDIN_FAILING_MIGRATION=1 for
# that one image, whose release then carries a migration that refers to a table no release created.
config :uro_standin, failing_migration: System.get_env("URO_STANDIN_FAILING_MIGRATION") == "1"
