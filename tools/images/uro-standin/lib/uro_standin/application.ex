defmodule UroStandin.Application do
  @moduledoc false
  use Application
  require Logger

  @impl true
  def start(_type, _args) do
    settings = UroStandin.Settings.load()
    :persistent_term.put({__MODULE__, :settings}, settings)
    :ok = UroStandin.Metrics.init()
    {:ok, _} = :inets.start(:httpc, profile: :uro_standin)

    Logger.info(
      "#{UroStandin.banner()} starting: host #{settings.host}, database #{settings.database.host}:" <>
        "#{settings.database.port}/#{settings.database.database} (sslmode=#{settings.database.sslmode}), " <>
        "pool #{settings.pool_size}, node #{node()}"
    )

    children =
      [
        {Task.Supervisor, name: UroStandin.TaskSupervisor},
        {UroStandin.Pool, settings.pool_size}
      ] ++ endpoints(settings) ++ cluster(settings)

    Supervisor.start_link(children, strategy: :one_for_one, name: UroStandin.Supervisor)
  end

  def settings, do: :persistent_term.get({__MODULE__, :settings})

  defp endpoints(%{server: true} = s) do
    [
      {UroStandin.HTTP, {:api, s.api_port, &UroStandin.Router.handle/5}},
      {UroStandin.HTTP, {:web, s.web_port, &UroStandin.Router.handle/5}},
      {UroStandin.HealthWatch, s}
    ]
  end

  defp endpoints(_settings) do
    Logger.warning("PHX_SERVER is not set: not serving HTTP (as a Phoenix release would not)")
    []
  end

  defp cluster(%{dns_cluster_query: nil}), do: []
  defp cluster(%{dns_cluster_query: query}), do: [{UroStandin.Cluster, query}]
end
