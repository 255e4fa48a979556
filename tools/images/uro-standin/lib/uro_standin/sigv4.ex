defmodule UroStandin.SigV4 do
  @moduledoc """
  AWS Signature Version 4 for header-signed requests (what an S3 client sends), written from AWS's
  specification: canonical request, string to sign, and the HMAC-SHA256 key chain
  date → region → service → "aws4_request".
  """

  @algorithm "AWS4-HMAC-SHA256"

  @type credentials :: %{
          access_key_id: String.t(),
          secret_access_key: String.t(),
          region: String.t()
        }

  @doc """
  Headers to add to a request: `host`, `x-amz-date`, `x-amz-content-sha256` (unless `sign_payload: false`)
  and `authorization`. `path` is the raw path (each segment is URI-encoded here), `query` a list of
  {name, value} pairs, `extra_headers` more headers to sign.
  """
  def sign(method, url, credentials, service, payload, now, extra_headers \\ [], opts \\ []) do
    uri = URI.parse(url)
    amz_date = amz_date(now)
    date = binary_part(amz_date, 0, 8)
    payload_hash = hex(:crypto.hash(:sha256, payload))

    headers =
      [{"host", host_header(uri)}, {"x-amz-date", amz_date}] ++
        if(Keyword.get(opts, :sign_payload, true),
          do: [{"x-amz-content-sha256", payload_hash}],
          else: []
        ) ++
        Enum.map(extra_headers, fn {k, v} -> {String.downcase(k), v} end)

    headers = Enum.sort_by(headers, &elem(&1, 0))
    signed_headers = Enum.map_join(headers, ";", &elem(&1, 0))

    canonical_request =
      Enum.join(
        [
          String.upcase(method),
          canonical_path(uri.path || "/"),
          canonical_query(uri.query),
          Enum.map_join(headers, "", fn {k, v} -> "#{k}:#{collapse(v)}\n" end),
          signed_headers,
          payload_hash
        ],
        "\n"
      )

    scope = "#{date}/#{credentials.region}/#{service}/aws4_request"

    string_to_sign =
      Enum.join(
        [@algorithm, amz_date, scope, hex(:crypto.hash(:sha256, canonical_request))],
        "\n"
      )

    signature =
      ("AWS4" <> credentials.secret_access_key)
      |> hmac(date)
      |> hmac(credentials.region)
      |> hmac(service)
      |> hmac("aws4_request")
      |> hmac(string_to_sign)
      |> hex()

    authorization =
      "#{@algorithm} Credential=#{credentials.access_key_id}/#{scope}, " <>
        "SignedHeaders=#{signed_headers}, Signature=#{signature}"

    headers ++ [{"authorization", authorization}]
  end

  def amz_date({{y, mo, d}, {h, mi, s}}) do
    :io_lib.format("~4..0B~2..0B~2..0BT~2..0B~2..0B~2..0BZ", [y, mo, d, h, mi, s])
    |> IO.iodata_to_binary()
  end

  # The port is part of Host only when it is not the scheme's default, as HTTP clients send it.
  defp host_header(%URI{host: host, port: port, scheme: scheme}) do
    if port == URI.default_port(scheme), do: host, else: "#{host}:#{port}"
  end

  # S3 encodes each path segment once (no double encoding), keeping the slashes.
  def canonical_path(path), do: path |> String.split("/") |> Enum.map_join("/", &encode/1)

  defp canonical_query(nil), do: ""

  defp canonical_query(query) do
    query
    |> String.split("&", trim: true)
    |> Enum.map(fn pair ->
      case String.split(pair, "=", parts: 2) do
        [k, v] -> {encode(URI.decode(k)), encode(URI.decode(v))}
        [k] -> {encode(URI.decode(k)), ""}
      end
    end)
    |> Enum.sort()
    |> Enum.map_join("&", fn {k, v} -> "#{k}=#{v}" end)
  end

  defp encode(segment),
    do: URI.encode(segment, &(&1 in ?A..?Z or &1 in ?a..?z or &1 in ?0..?9 or &1 in ~c"-._~"))

  defp collapse(value), do: value |> String.trim() |> String.replace(~r/\s+/, " ")
  defp hmac(key, data), do: :crypto.mac(:hmac, :sha256, key, data)
  defp hex(bin), do: Base.encode16(bin, case: :lower)
end
