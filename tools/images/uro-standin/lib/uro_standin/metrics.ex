defmodule UroStandin.Metrics do
  @moduledoc """
  GET /metrics in Prometheus' text exposition format (version 0.0.4), the series vsekai-infra's app alerts
  and dashboard read:

    * `uro_http_requests_total{endpoint, status_class}`: requests other than /health, /livez and /metrics
      (probe and scrape traffic), by endpoint (api, web) and status class (1xx … 5xx);
    * `uro_ready`: 1 while the last /health check (run every 10 s by HealthWatch) passed, 0 after one failed or
      before the first;
    * `uro_health_last_check_timestamp_seconds`: when that check ran (0 before the first);
    * `uro_beam_memory_bytes{kind}` and `uro_beam_processes`: the BEAM's memory and process count;
    * `process_start_time_seconds`: when the VM started, so a restart in place shows as a new value;
    * `uro_info{version}`: always 1.

  Counts live in `:counters`/`:atomics` arrays whose references sit in `:persistent_term`, so counting
  sends no message and needs no process to own a table.
  """

  @endpoints [:api, :web]
  @classes ~w(1xx 2xx 3xx 4xx 5xx)
  @unmetered ["/health", "/livez", "/metrics"]
  @memory_kinds [:total, :processes, :binary, :ets, :atom, :code, :system]
  @ready 1
  @checked_at 2

  @content_type "text/plain; version=0.0.4; charset=utf-8"
  def content_type, do: @content_type

  @doc "Creates the counters; called once as the application starts (and by tests, for a clean slate)."
  def init do
    :persistent_term.put(__MODULE__, %{
      requests: :counters.new(length(@endpoints) * length(@classes), [:write_concurrency]),
      health: :atomics.new(2, signed: true),
      started_at: vm_start_seconds()
    })

    :ok
  end

  @doc "Counts one answered request; probe and scrape paths, unknown endpoints and odd statuses are not counted."
  def count_request(endpoint, path, status) do
    with %{requests: ref} <- state(),
         true <- path not in @unmetered,
         {:ok, slot} <- slot(endpoint, status) do
      :counters.add(ref, slot, 1)
    end

    :ok
  end

  @doc "Records the outcome of a /health check: ready only on 200."
  def record_health(status) do
    case state() do
      %{health: ref} ->
        :atomics.put(ref, @ready, if(status == 200, do: 1, else: 0))
        :atomics.put(ref, @checked_at, System.system_time(:second))

      nil ->
        :ok
    end

    :ok
  end

  @doc "The exposition text."
  def render do
    s =
      case state() do
        nil ->
          init()
          state()

        found ->
          found
      end

    request_samples =
      for {endpoint, e} <- Enum.with_index(@endpoints), {class, c} <- Enum.with_index(@classes) do
        {%{endpoint: endpoint, status_class: class},
         :counters.get(s.requests, e * length(@classes) + c + 1)}
      end

    memory = :erlang.memory()

    IO.iodata_to_binary([
      family(
        "uro_http_requests_total",
        "counter",
        "HTTP requests other than /health and /metrics, by endpoint and status class.",
        request_samples
      ),
      family("uro_ready", "gauge", "1 while the last /health check passed, 0 otherwise.", [
        {%{}, :atomics.get(s.health, @ready)}
      ]),
      family(
        "uro_health_last_check_timestamp_seconds",
        "gauge",
        "Unix time of the last /health check, 0 before the first.",
        [{%{}, :atomics.get(s.health, @checked_at)}]
      ),
      family(
        "uro_beam_memory_bytes",
        "gauge",
        "Memory the BEAM has allocated, by kind (erlang:memory/0).",
        for(kind <- @memory_kinds, do: {%{kind: kind}, Keyword.get(memory, kind, 0)})
      ),
      family("uro_beam_processes", "gauge", "Erlang processes alive.", [
        {%{}, :erlang.system_info(:process_count)}
      ]),
      family("process_start_time_seconds", "gauge", "Start time of the VM since the Unix epoch.", [
        {%{}, s.started_at}
      ]),
      family("uro_info", "gauge", "The stand-in's version (a stand-in for uro, not uro).", [
        {%{version: UroStandin.version()}, 1}
      ])
    ])
  end

  defp state, do: :persistent_term.get(__MODULE__, nil)

  defp slot(endpoint, status) when is_integer(status) and status >= 100 and status <= 599 do
    case Enum.find_index(@endpoints, &(&1 == endpoint)) do
      nil -> :error
      e -> {:ok, e * length(@classes) + div(status, 100)}
    end
  end

  defp slot(_endpoint, _status), do: :error

  defp family(name, type, help, samples) do
    [
      "# HELP #{name} #{help}\n",
      "# TYPE #{name} #{type}\n",
      for({labels, value} <- samples, do: [name, render_labels(labels), " ", number(value), "\n"])
    ]
  end

  defp render_labels(labels) when map_size(labels) == 0, do: ""

  defp render_labels(labels) do
    pairs =
      labels
      |> Enum.sort()
      |> Enum.map(fn {k, v} -> [to_string(k), "=\"", escape(to_string(v)), "\""] end)
      |> Enum.intersperse(",")

    ["{", pairs, "}"]
  end

  defp escape(value) do
    value |> String.replace("\\", "\\\\") |> String.replace("\"", "\\\"") |> String.replace("\n", "\\n")
  end

  defp number(n) when is_integer(n), do: Integer.to_string(n)
  defp number(n) when is_float(n), do: Float.to_string(n)

  # The VM's start on the system clock: now, minus how long the VM has run (monotonic, so clock steps
  # after boot do not move it).
  defp vm_start_seconds do
    ran = System.monotonic_time() - :erlang.system_info(:start_time)
    System.convert_time_unit(System.system_time() - ran, :native, :millisecond) / 1000
  end
end
