defmodule UroStandin.Storage do
  @moduledoc """
  The storage check: PUT a small object into S3_BUCKET, GET it back and compare, over S3's REST API
  (path-style URLs, SigV4-signed) with OTP's httpc. Each check writes one of a node's 16 keys, taken in
  turn, so checks that run at once (probes, load balancers and clients asking /health together) do not
  overwrite each other's object between its PUT and its GET, and checks leave at most 16 objects per node
  behind, not one per probe.
  """

  alias UroStandin.Settings.S3
  alias UroStandin.SigV4

  @prefix "uro-standin/health"
  @slots 16

  def configured?(%S3{} = s3),
    do: Enum.all?([s3.endpoint, s3.bucket, s3.access_key_id, s3.secret_access_key], &(&1 != nil))

  def missing(%S3{} = s3) do
    [
      {"S3_ENDPOINT", s3.endpoint},
      {"S3_BUCKET", s3.bucket},
      {"AWS_ACCESS_KEY_ID", s3.access_key_id},
      {"AWS_SECRET_ACCESS_KEY", s3.secret_access_key}
    ]
    |> Enum.filter(fn {_, v} -> v == nil end)
    |> Enum.map(&elem(&1, 0))
  end

  def check(%S3{} = s3, timeout) do
    if configured?(s3) do
      round_trip(s3, timeout)
    else
      {:error, "not configured: #{Enum.join(missing(s3), ", ")} unset"}
    end
  end

  defp round_trip(s3, timeout) do
    slot = rem(System.unique_integer([:positive, :monotonic]), @slots)
    key = "#{@prefix}/#{node_key()}/#{slot}"

    body =
      "uro-standin health #{System.system_time(:nanosecond)} #{Base.encode16(:crypto.strong_rand_bytes(8))}"

    url = object_url(s3, key)

    with {:ok, 200, _} <- request(s3, :put, url, body, timeout),
         {:ok, 200, ^body} <- request(s3, :get, url, "", timeout) do
      {:ok, "PUT and GET of s3://#{s3.bucket}/#{key} matched (#{byte_size(body)} bytes)"}
    else
      {:ok, 200, other} ->
        {:error,
         "GET s3://#{s3.bucket}/#{key} returned #{byte_size(other)} bytes that differ from the PUT"}

      {:ok, status, response} ->
        {:error, "S3 answered HTTP #{status}: #{s3_error(response)}"}

      {:error, reason} ->
        {:error, "S3 request to #{s3.endpoint} failed: #{inspect(reason)}"}
    end
  end

  def object_url(s3, key) do
    String.trim_trailing(s3.endpoint, "/") <> "/" <> s3.bucket <> "/" <> key
  end

  defp request(s3, method, url, body, timeout) do
    credentials = Map.take(Map.from_struct(s3), [:access_key_id, :secret_access_key, :region])

    signed =
      SigV4.sign(method |> to_string(), url, credentials, "s3", body, :calendar.universal_time())

    # Host goes out exactly as signed: httpc would otherwise send host:port even for a default port.
    headers = for {k, v} <- signed, do: {String.to_charlist(k), String.to_charlist(v)}
    http_options = [timeout: timeout, connect_timeout: timeout, autoredirect: false]
    options = [body_format: :binary]

    request =
      case method do
        :get -> {String.to_charlist(url), headers}
        :put -> {String.to_charlist(url), headers, ~c"application/octet-stream", body}
      end

    case :httpc.request(method, request, http_options, options, :uro_standin) do
      {:ok, {{_, status, _}, _headers, response}} -> {:ok, status, response}
      {:error, reason} -> {:error, reason}
    end
  end

  defp s3_error(response) do
    case Regex.run(~r{<Code>([^<]+)</Code>}, response) do
      [_, code] -> code
      nil -> String.slice(response, 0, 200)
    end
  end

  defp node_key do
    case node() do
      :nonode@nohost -> elem(:inet.gethostname(), 1) |> to_string()
      name -> to_string(name)
    end
  end
end
