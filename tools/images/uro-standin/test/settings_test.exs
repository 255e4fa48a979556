defmodule UroStandin.SettingsTest do
  use ExUnit.Case, async: true
  alias UroStandin.Settings

  test "reads the URL the CockroachDB component writes, password decoded, TLS verified against the CA" do
    db =
      Settings.database!(
        "postgresql://uro:p%40ss@db-public.ns.svc:26257/uro?sslmode=verify-full",
        "/etc/vsekai/sql/ca.crt"
      )

    assert %{
             host: "db-public.ns.svc",
             port: 26257,
             database: "uro",
             user: "uro",
             password: "p@ss",
             sslmode: "verify-full"
           } = db

    assert db.ssl_options[:verify] == :verify_peer
    assert db.ssl_options[:cacertfile] == ~c"/etc/vsekai/sql/ca.crt"
    assert db.ssl_options[:server_name_indication] == ~c"db-public.ns.svc"
  end

  test "verify-full to an IP address checks the certificate's IP SANs itself (no SNI for an IP)" do
    db = Settings.database!("postgres://u:p@10.0.0.5:26257/uro?sslmode=verify-full", "/ca.crt")
    assert db.ssl_options[:server_name_indication] == :disable
    assert {fun, {10, 0, 0, 5}} = db.ssl_options[:verify_fun]
    assert fun == (&Settings.verify_ip/3)

    assert {:fail, {:bad_cert, :unknown_ca}} =
             Settings.verify_ip(:cert, {:bad_cert, :unknown_ca}, {10, 0, 0, 5})
  end

  test "ecto:// without sslmode is plain TCP on 5432" do
    assert %{port: 5432, sslmode: "disable", ssl_options: []} =
             Settings.database!("ecto://u:p@h/db", nil)
  end

  test "refuses sslmodes it cannot honour, naming the allowed ones, and never shows the password" do
    error =
      assert_raise ArgumentError, fn ->
        Settings.database!("postgres://u:secret@h/db?sslmode=prefer", nil)
      end

    assert error.message ==
             "DATABASE_URL has sslmode=prefer, which is not supported; use one of disable, require, verify-ca, verify-full"

    error = assert_raise ArgumentError, fn -> Settings.database!("mysql://u:secret@h/db", nil) end

    assert error.message =~
             ~s(DATABASE_URL=mysql://***@h/db has scheme "mysql"; expected one of postgres, postgresql, ecto)

    refute error.message =~ "secret"
  end

  test "verify-full without DATABASE_CA_CERT_FILE is refused" do
    error =
      assert_raise ArgumentError, fn ->
        Settings.database!("postgres://u:p@h/db?sslmode=verify-full", nil)
      end

    assert error.message =~ "needs DATABASE_CA_CERT_FILE"
  end

  test "ports, pool size and SECRET_KEY_BASE length are checked" do
    assert Settings.port!("PORT", "4000") == 4000

    assert_raise ArgumentError,
                 ~s(WEB_PORT="70000" is not a TCP port: expected an integer 1-65535),
                 fn -> Settings.port!("WEB_PORT", "70000") end

    assert_raise ArgumentError,
                 ~s(POOL_SIZE="0" is not allowed: expected a positive integer),
                 fn -> Settings.positive_integer!("POOL_SIZE", "0") end

    assert_raise ArgumentError,
                 ~r/SECRET_KEY_BASE is 10 bytes long; it must be at least 64/,
                 fn -> Settings.secret_key_base!("0123456789") end
  end
end
