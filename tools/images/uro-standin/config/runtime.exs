import Config

# Read when the release boots (start and eval alike), as Phoenix's config/runtime.exs is. The values are
# kept raw here; UroStandin.Settings parses and checks them so a bad value gets one clear message.

# A Phoenix release only serves HTTP when PHX_SERVER is set (bin/server sets it); so does the stand-in.
if System.get_env("PHX_SERVER") do
  config :uro_standin, server: true
end

# The unit tests (MIX_ENV=test) need neither; every release is built with MIX_ENV=prod.
if config_env() == :prod do
  secret_key_base =
    System.get_env("SECRET_KEY_BASE") ||
      raise """
      environment variable SECRET_KEY_BASE is missing.
      uro-standin refuses to start without it, as a Phoenix release does. Generate one with:
      head -c 48 /dev/urandom | base64
      """

  database_url =
    System.get_env("DATABASE_URL") ||
      raise """
      environment variable DATABASE_URL is missing.
      For example: postgres://USER:PASS@HOST:5432/DATABASE?sslmode=disable
      """

  config :uro_standin,
    secret_key_base: secret_key_base,
    database_url: database_url,
    database_ca_cert_file: System.get_env("DATABASE_CA_CERT_FILE"),
    pool_size: System.get_env("POOL_SIZE", "10"),
    host: System.get_env("PHX_HOST", "vsekai.local"),
    api_port: System.get_env("PORT", "4000"),
    web_port: System.get_env("WEB_PORT", "4001"),
    s3_endpoint: System.get_env("S3_ENDPOINT"),
    s3_bucket: System.get_env("S3_BUCKET"),
    s3_access_key_id: System.get_env("AWS_ACCESS_KEY_ID"),
    s3_secret_access_key: System.get_env("AWS_SECRET_ACCESS_KEY"),
    s3_region: System.get_env("AWS_REGION", "us-east-1"),
    dns_cluster_query: System.get_env("DNS_CLUSTER_QUERY")
end
