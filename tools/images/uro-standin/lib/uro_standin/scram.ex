defmodule :scram do
  @moduledoc """
  SCRAM-SHA-256 key derivation (RFC 5802, RFC 7677) for Debian's p1_pgsql.

  p1_pgsql's SASL client (pgsql_sasl) calls a `scram` module that lives in ejabberd's xmpp library, which
  its .app file does not declare: without it, connecting to any server that asks for SCRAM (PostgreSQL's
  default since 14, CockroachDB's for SCRAM-stored passwords) crashes. Including xmpp would drag in four
  NIF libraries, so the stand-in provides the six functions pgsql_sasl uses. Passwords are normalised
  with NFKC, the part of SASLprep that changes real passwords; generated secrets are ASCII and unaffected.
  """

  def salted_password(:sha256, password, salt, iterations)
      when is_integer(iterations) and iterations > 0 do
    normalised = :unicode.characters_to_nfkc_binary(IO.chardata_to_string(password))
    :crypto.pbkdf2_hmac(:sha256, normalised, salt, iterations, 32)
  end

  def client_key(:sha256, salted_password),
    do: :crypto.mac(:hmac, :sha256, salted_password, "Client Key")

  def stored_key(:sha256, client_key), do: :crypto.hash(:sha256, client_key)

  def client_signature(:sha256, stored_key, auth_message),
    do: :crypto.mac(:hmac, :sha256, stored_key, auth_message)

  def server_key(:sha256, salted_password),
    do: :crypto.mac(:hmac, :sha256, salted_password, "Server Key")

  def server_signature(:sha256, server_key, auth_message),
    do: :crypto.mac(:hmac, :sha256, server_key, auth_message)
end
