defmodule UroStandin.HealthWatch do
  @moduledoc """
  Runs the /health check every 10 s and records its outcome (`uro_ready`). After startup the
  kubelet probes /livez, which asks nothing shared, so without this the readiness metric and its alert would
  only move when someone called /health by hand.
  """
  use Task, restart: :permanent

  @interval_ms 10_000

  def start_link(settings), do: Task.start_link(__MODULE__, :run, [settings])

  def run(settings) do
    {status, _body} = UroStandin.Health.report(settings)
    UroStandin.Metrics.record_health(status)
    Process.sleep(@interval_ms)
    run(settings)
  end
end
