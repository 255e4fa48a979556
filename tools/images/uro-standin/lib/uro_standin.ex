defmodule UroStandin do
  @moduledoc """
  A stand-in for V-Sekai's uro, for the offline dev stack and the integration tests of vsekai-infra.

  It is not uro: it has none of uro's features. It follows the conventions the deployment relies on —
  a release named `uro_standin` with `bin/uro_standin start` and `bin/uro_standin eval
  "UroStandin.Release.migrate"`, the same environment variables, two HTTP endpoints, a health endpoint
  and Erlang clustering through a headless Service — so the toolkit's app component can be exercised
  end to end where uro's image cannot be pulled.
  """

  @doc "The name every log line and response carries, so nobody mistakes this for uro."
  def banner, do: "uro-standin #{version()} (a stand-in for V-Sekai's uro, not uro itself)"

  def version, do: to_string(Application.spec(:uro_standin, :vsn) || "0.0.0")
end
