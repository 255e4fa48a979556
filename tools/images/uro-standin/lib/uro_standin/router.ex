defmodule UroStandin.Router do
  @moduledoc "What each endpoint answers. Both serve /health, /livez and /metrics; the web endpoint also a page that says what this is."

  alias UroStandin.{Health, JSON, Metrics, Rows}

  # POST /api/rows writes a SQL row (UroStandin.Rows); every other request has no body to speak of.
  def handle(_endpoint, "POST", "/api/rows", _headers, body), do: Rows.create(body)
  def handle(endpoint, method, path, headers, _body), do: handle(endpoint, method, path, headers)

  def handle(endpoint, method, path, _headers) when method in ["GET", "HEAD"] do
    route(endpoint, path)
  end

  def handle(_endpoint, _method, _path, _headers),
    do: {405, "text/plain", "only GET and HEAD (and POST /api/rows)\n"}

  defp route(_endpoint, "/health") do
    {status, body} = Health.report(UroStandin.Application.settings())
    Metrics.record_health(status)
    {status, "application/json", JSON.encode(body)}
  end

  # Whether this pod serves, and nothing shared: readiness and liveness ask this once the startup probe has
  # seen /health pass, so a database or storage outage that every replica shares does not empty the
  # Service of endpoints (requests that need neither would fail with it).
  defp route(_endpoint, "/livez"), do: {200, "text/plain", "ok\n"}

  defp route(_endpoint, "/metrics"), do: {200, Metrics.content_type(), Metrics.render()}

  defp route(:api, "/") do
    {200, "application/json",
     JSON.encode(%{
       service: "uro-standin",
       note: "a stand-in for V-Sekai's uro",
       version: UroStandin.version()
     })}
  end

  defp route(:web, "/") do
    host = UroStandin.Application.settings().host

    {200, "text/html; charset=utf-8",
     "<!doctype html><title>uro stand-in</title><h1>uro stand-in</h1>" <>
       "<p>#{host} is served by a stand-in for V-Sekai's uro (vsekai-infra's tools/images/uro-standin), " <>
       "not by uro itself. See <a href=\"/health\">/health</a>.</p>\n"}
  end

  defp route(_endpoint, "/api/rows/" <> id), do: Rows.fetch(id)

  defp route(_endpoint, _path), do: {404, "application/json", JSON.encode(%{error: "not found"})}
end
