defmodule UroStandin.MixProject do
  use Mix.Project

  # A stand-in for V-Sekai's uro (see README.md): same release conventions, none of its features.
  def project do
    [
      app: :uro_standin,
      # build.sh gives each image its release version (tools/images/versions.env); one source builds them
      # all, and the migrations a release applies are those up to its version (UroStandin.Database).
      version: System.get_env("URO_STANDIN_RELEASE_VERSION", "0.1.0"),
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      # No hex packages can be fetched here: everything comes from OTP and Debian's erlang-* packages.
      deps: [],
      # The unit tests exercise pure modules; starting the app would need a database and S3.
      aliases: [test: "test --no-start"],
      releases: [
        uro_standin: [
          # The image has no Erlang installed: the release carries its own runtime (ERTS).
          include_erts: true,
          include_executables_for: [:unix],
          strip_beams: true,
          # No cookie is baked into the image (a random one would make builds irreproducible, a fixed
          # one would be a shared secret in every image): rel/env.sh.eex demands RELEASE_COOKIE instead.
          cookie: "no-cookie-in-the-image",
          steps: [:assemble, &drop_baked_cookie/1]
        ]
      ]
    ]
  end

  def application do
    [
      mod: {UroStandin.Application, []},
      # p1_pgsql is Debian's erlang-p1-pgsql, found in the host's Erlang lib dir, so `mix release` copies it
      # into the release like any OTP application.
      extra_applications: [:logger, :crypto, :public_key, :ssl, :inets, :p1_pgsql]
    ]
  end

  defp drop_baked_cookie(release) do
    File.rm!(Path.join([release.path, "releases", "COOKIE"]))
    release
  end
end
