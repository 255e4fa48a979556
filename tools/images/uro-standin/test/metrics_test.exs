defmodule UroStandin.MetricsTest do
  # The counters live in :persistent_term, shared by every test: run these one at a time.
  use ExUnit.Case, async: false
  alias UroStandin.{Metrics, Router}

  setup do
    :ok = Metrics.init()
  end

  # Every sample line as {name, labels map, value}; fails the test on a line that is not exposition format.
  defp samples(text) do
    text
    |> String.split("\n", trim: true)
    |> Enum.reject(&String.starts_with?(&1, "#"))
    |> Enum.map(fn line ->
      case Regex.run(~r/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/, line) do
        [_, name, labels, value] -> {name, parse_labels(labels), value}
        [_, name, value] -> {name, %{}, value}
        _ -> flunk("not a sample line: #{inspect(line)}")
      end
    end)
  end

  defp parse_labels(""), do: %{}

  defp parse_labels(text) do
    for [_, k, v] <- Regex.scan(~r/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/, text), into: %{} do
      {k, v}
    end
  end

  defp value(text, name, labels \\ %{}) do
    case Enum.filter(samples(text), fn {n, l, _} -> n == name and l == labels end) do
      [{_, _, v}] -> v
      found -> flunk("expected one #{name} #{inspect(labels)}, found #{inspect(found)}")
    end
  end

  test "counts requests by endpoint and status class, leaving out probes and scrapes" do
    Metrics.count_request(:api, "/", 200)
    Metrics.count_request(:api, "/api/rows", 201)
    Metrics.count_request(:api, "/api/rows/x", 503)
    Metrics.count_request(:web, "/nowhere", 404)
    Metrics.count_request(:api, "/health", 503)
    Metrics.count_request(:api, "/livez", 200)
    Metrics.count_request(:web, "/metrics", 200)
    text = Metrics.render()

    assert value(text, "uro_http_requests_total", %{"endpoint" => "api", "status_class" => "2xx"}) == "2"
    assert value(text, "uro_http_requests_total", %{"endpoint" => "api", "status_class" => "5xx"}) == "1"
    assert value(text, "uro_http_requests_total", %{"endpoint" => "web", "status_class" => "4xx"}) == "1"
    assert value(text, "uro_http_requests_total", %{"endpoint" => "web", "status_class" => "2xx"}) == "0"
    # Every endpoint and class is present from the start, so rate() has a baseline.
    assert length(for {"uro_http_requests_total", _, _} <- samples(text), do: 1) == 10
  end

  test "ignores what it cannot place: unknown endpoints and statuses outside 100-599" do
    Metrics.count_request(:admin, "/", 200)
    Metrics.count_request(:api, "/", 99)
    Metrics.count_request(:api, "/", 600)
    assert Enum.all?(samples(Metrics.render()), fn
             {"uro_http_requests_total", _, v} -> v == "0"
             _ -> true
           end)
  end

  test "readiness follows the last /health check" do
    assert value(Metrics.render(), "uro_ready") == "0"
    assert value(Metrics.render(), "uro_health_last_check_timestamp_seconds") == "0"
    Metrics.record_health(200)
    assert value(Metrics.render(), "uro_ready") == "1"
    checked = String.to_integer(value(Metrics.render(), "uro_health_last_check_timestamp_seconds"))
    assert abs(checked - System.system_time(:second)) <= 5
    Metrics.record_health(503)
    assert value(Metrics.render(), "uro_ready") == "0"
  end

  test "reports the BEAM's memory and processes and the VM's start time" do
    text = Metrics.render()
    total = String.to_integer(value(text, "uro_beam_memory_bytes", %{"kind" => "total"}))
    processes = String.to_integer(value(text, "uro_beam_memory_bytes", %{"kind" => "processes"}))
    assert total > processes and processes > 0
    assert String.to_integer(value(text, "uro_beam_processes")) > 10
    started = String.to_float(value(text, "process_start_time_seconds"))
    assert started <= System.system_time(:second) + 1 and started > System.system_time(:second) - 86_400
  end

  test "declares HELP and TYPE once per metric, before its samples" do
    lines = String.split(Metrics.render(), "\n", trim: true)

    {_, seen} =
      Enum.reduce(lines, {nil, MapSet.new()}, fn line, {current, seen} ->
        case String.split(line, " ", parts: 4) do
          ["#", "HELP", name | _] ->
            refute MapSet.member?(seen, name), "#{name} declared twice"
            {name, MapSet.put(seen, name)}

          ["#", "TYPE", name, type] ->
            assert name == current and type in ["counter", "gauge"]
            {current, seen}

          [sample | _] ->
            assert String.starts_with?(sample, current), "#{sample} outside its family #{current}"
            {current, seen}
        end
      end)

    assert MapSet.member?(seen, "uro_http_requests_total") and MapSet.member?(seen, "uro_info")
  end

  test "GET /livez answers on both endpoints without asking the database or storage" do
    for endpoint <- [:api, :web] do
      assert Router.handle(endpoint, "GET", "/livez", []) == {200, "text/plain", "ok\n"}
    end
  end

  test "GET /metrics answers on both endpoints in the exposition format" do
    for endpoint <- [:api, :web] do
      assert {200, "text/plain; version=0.0.4; charset=utf-8", body} =
               Router.handle(endpoint, "GET", "/metrics", [])

      assert value(body, "uro_info", %{"version" => UroStandin.version()}) == "1"
    end
  end
end
