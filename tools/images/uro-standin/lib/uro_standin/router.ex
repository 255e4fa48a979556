defmodule UroStandin.Router do
  @moduledoc "What each endpoint answers. Both serve /health; the web endpoint also a page that says what this is."

  alias UroStandin.{Health, JSON}

  def handle(endpoint, method, path, _headers) when method in ["GET", "HEAD"] do
    route(endpoint, path)
  end

  def handle(_endpoint, _method, _path, _headers), do: {405, "text/plain", "only GET and HEAD\n"}

  defp route(_endpoint, "/health") do
    {status, body} = Health.report(UroStandin.Application.settings())
    {status, "application/json", JSON.encode(body)}
  end

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

  defp route(_endpoint, _path), do: {404, "application/json", JSON.encode(%{error: "not found"})}
end
