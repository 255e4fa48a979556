defmodule UroStandin.Settings do
  @moduledoc """
  Parses and checks the raw environment that config/runtime.exs collected. Every error names the
  variable, the value it got (never a secret's) and what is allowed.
  """

  defmodule Database do
    @moduledoc false
    @enforce_keys [:host, :port, :database, :user, :password, :sslmode]
    defstruct [:host, :port, :database, :user, :password, :sslmode, ssl_options: []]
  end

  defmodule S3 do
    @moduledoc false
    defstruct [:endpoint, :bucket, :access_key_id, :secret_access_key, :region]
  end

  @sslmodes ~w(disable require verify-ca verify-full)
  @schemes ~w(postgres postgresql ecto)
  @min_secret_key_base 64

  def load do
    env = Application.get_all_env(:uro_standin)

    %{
      server: Keyword.get(env, :server, false),
      host: Keyword.fetch!(env, :host),
      api_port: port!("PORT", Keyword.fetch!(env, :api_port)),
      web_port: port!("WEB_PORT", Keyword.fetch!(env, :web_port)),
      pool_size: positive_integer!("POOL_SIZE", Keyword.fetch!(env, :pool_size)),
      database:
        database!(Keyword.fetch!(env, :database_url), Keyword.get(env, :database_ca_cert_file)),
      s3: s3(env),
      dns_cluster_query: blank_to_nil(Keyword.get(env, :dns_cluster_query))
    }
    |> tap(fn _ -> secret_key_base!(Keyword.fetch!(env, :secret_key_base)) end)
  end

  def secret_key_base!(value) when byte_size(value) >= @min_secret_key_base, do: :ok

  def secret_key_base!(value) do
    raise ArgumentError,
          "SECRET_KEY_BASE is #{byte_size(value)} bytes long; it must be at least #{@min_secret_key_base} " <>
            "(as Phoenix requires for signed cookies)"
  end

  def port!(name, raw) do
    case Integer.parse(to_string(raw)) do
      {port, ""} when port in 1..65535 ->
        port

      _ ->
        raise ArgumentError,
              "#{name}=#{inspect(raw)} is not a TCP port: expected an integer 1-65535"
    end
  end

  def positive_integer!(name, raw) do
    case Integer.parse(to_string(raw)) do
      {n, ""} when n > 0 ->
        n

      _ ->
        raise ArgumentError, "#{name}=#{inspect(raw)} is not allowed: expected a positive integer"
    end
  end

  @doc """
  `postgres://USER:PASS@HOST:PORT/DB?sslmode=MODE` (also `postgresql://` and Ecto's `ecto://`).
  sslmode follows libpq: disable (plain TCP), require (encrypted, unverified unless a CA file is given),
  verify-ca (the server's chain against DATABASE_CA_CERT_FILE), verify-full (that and the host name).
  A URL without sslmode connects in plain TCP, as Ecto does without an `ssl` option.
  """
  def database!(url, ca_file) do
    uri = URI.parse(url)
    # The password must never reach a message: show the URL without its user info.
    shown = URI.to_string(%URI{uri | userinfo: if(uri.userinfo, do: "***")})

    unless uri.scheme in @schemes do
      raise ArgumentError,
            "DATABASE_URL=#{shown} has scheme #{inspect(uri.scheme)}; expected one of #{Enum.join(@schemes, ", ")}"
    end

    if blank_to_nil(uri.host) == nil,
      do: raise(ArgumentError, "DATABASE_URL=#{shown} names no host")

    database =
      case uri.path do
        "/" <> name when name != "" -> URI.decode(name)
        _ -> raise ArgumentError, "DATABASE_URL=#{shown} names no database (the path, as in /uro)"
      end

    {user, password} =
      case String.split(uri.userinfo || "", ":", parts: 2) do
        [user, password] when user != "" ->
          {URI.decode(user), URI.decode(password)}

        [user] when user != "" ->
          {URI.decode(user), ""}

        _ ->
          raise ArgumentError, "DATABASE_URL=#{shown} names no user (USER:PASS@ before the host)"
      end

    query = URI.decode_query(uri.query || "")
    sslmode = Map.get(query, "sslmode", "disable")

    unless sslmode in @sslmodes do
      raise ArgumentError,
            "DATABASE_URL has sslmode=#{sslmode}, which is not supported; use one of #{Enum.join(@sslmodes, ", ")}"
    end

    ca_file = blank_to_nil(ca_file)

    if sslmode in ~w(verify-ca verify-full) and ca_file == nil do
      raise ArgumentError,
            "DATABASE_URL has sslmode=#{sslmode}, which needs DATABASE_CA_CERT_FILE (the CA certificate " <>
              "that signed the server's) and it is not set"
    end

    %Database{
      host: uri.host,
      port: uri.port || 5432,
      database: database,
      user: user,
      password: password,
      sslmode: sslmode,
      ssl_options: ssl_options(sslmode, ca_file, uri.host)
    }
  end

  defp ssl_options("disable", _ca, _host), do: []
  defp ssl_options("require", nil, _host), do: [verify: :verify_none]
  # libpq: with a root certificate present, require behaves as verify-ca.
  defp ssl_options("require", ca, host), do: ssl_options("verify-ca", ca, host)

  defp ssl_options("verify-ca", ca, host) do
    [
      verify: :verify_peer,
      cacertfile: String.to_charlist(ca),
      server_name_indication: sni(host),
      # The chain is checked, the name is not (libpq's verify-ca).
      customize_hostname_check: [match_fun: fn _reference, _presented -> true end]
    ]
  end

  defp ssl_options("verify-full", ca, host) do
    base = [verify: :verify_peer, cacertfile: String.to_charlist(ca)]

    case :inet.parse_address(String.to_charlist(host)) do
      # An IP address cannot be sent as SNI, and without SNI OTP's ssl checks no name: check the
      # certificate's IP SANs ourselves once the chain is valid.
      {:ok, ip} ->
        base ++ [server_name_indication: :disable, verify_fun: {&__MODULE__.verify_ip/3, ip}]

      _ ->
        base ++
          [
            server_name_indication: String.to_charlist(host),
            customize_hostname_check: [
              match_fun: :public_key.pkix_verify_hostname_match_fun(:https)
            ]
          ]
    end
  end

  @doc false
  def verify_ip(_cert, {:bad_cert, _} = reason, _ip), do: {:fail, reason}
  def verify_ip(_cert, {:extension, _}, ip), do: {:unknown, ip}
  def verify_ip(_cert, :valid, ip), do: {:valid, ip}

  def verify_ip(cert, :valid_peer, ip) do
    if :public_key.pkix_verify_hostname(cert, ip: ip),
      do: {:valid, ip},
      else: {:fail, {:bad_cert, :hostname_check_failed}}
  end

  defp sni(host) do
    case :inet.parse_address(String.to_charlist(host)) do
      {:ok, _ip} -> :disable
      _ -> String.to_charlist(host)
    end
  end

  defp s3(env) do
    %S3{
      endpoint: blank_to_nil(Keyword.get(env, :s3_endpoint)) |> endpoint!(),
      bucket: blank_to_nil(Keyword.get(env, :s3_bucket)),
      access_key_id: blank_to_nil(Keyword.get(env, :s3_access_key_id)),
      secret_access_key: blank_to_nil(Keyword.get(env, :s3_secret_access_key)),
      region: blank_to_nil(Keyword.get(env, :s3_region)) || "us-east-1"
    }
  end

  defp endpoint!(nil), do: nil

  defp endpoint!(raw) do
    case URI.parse(raw) do
      %URI{scheme: scheme, host: host} = uri
      when scheme in ["http", "https"] and host not in [nil, ""] ->
        URI.to_string(%URI{uri | path: nil, query: nil, fragment: nil})

      _ ->
        raise ArgumentError,
              "S3_ENDPOINT=#{inspect(raw)} is not allowed: expected an http:// or https:// URL such as http://seaweedfs-s3:8333"
    end
  end

  def blank_to_nil(nil), do: nil

  def blank_to_nil(value) when is_binary(value),
    do: if(String.trim(value) == "", do: nil, else: value)
end
