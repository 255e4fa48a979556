defmodule UroStandin.Rows do
  @moduledoc """
  POST /api/rows writes one SQL row and answers 201 with its id; GET /api/rows/:id reads it back. The
  endpoint the load generator (tests/harness) drives to prove that acknowledged writes survive faults:
  201 is sent only after the database acknowledged the INSERT.
  """

  alias UroStandin.{Database, JSON}

  # Within the probes' 3 s timeout, like the health check's database deadline.
  @timeout 2_500
  @max_payload 200

  @doc "A payload the INSERT can carry as a literal: letters, digits and . _ : - only, 1 to 200 of them."
  def valid_payload?(payload) when is_binary(payload) do
    byte_size(payload) in 1..@max_payload and String.match?(payload, ~r/\A[A-Za-z0-9._:-]+\z/)
  end

  def valid_payload?(_), do: false

  @doc "An id as the URL writes it: decimal digits that fit a signed 64-bit integer."
  def parse_id(text) do
    case Integer.parse(text) do
      {id, ""} when id >= 0 and id <= 9_223_372_036_854_775_807 -> {:ok, id}
      _ -> :error
    end
  end

  def create(body, db \\ UroStandin.Application.settings().database) do
    payload = String.trim_trailing(body, "\n")

    if valid_payload?(payload) do
      case Database.insert_row(db, payload, @timeout) do
        {:ok, id} -> reply(201, %{id: id, payload: payload})
        {:error, reason} -> reply(503, %{error: "the row was not written: #{reason}"})
      end
    else
      reply(400, %{
        error: "the body must be 1 to #{@max_payload} characters of A-Z a-z 0-9 . _ : - (the row's payload)"
      })
    end
  end

  def fetch(text, db \\ UroStandin.Application.settings().database) do
    case parse_id(text) do
      {:ok, id} ->
        case Database.fetch_row(db, id, @timeout) do
          {:ok, payload} -> reply(200, %{id: Integer.to_string(id), payload: payload})
          :not_found -> reply(404, %{error: "no row #{id}"})
          {:error, reason} -> reply(503, %{error: "the row could not be read: #{reason}"})
        end

      :error ->
        reply(400, %{error: "#{inspect(text)} is not a row id (decimal digits)"})
    end
  end

  defp reply(status, body), do: {status, "application/json", JSON.encode(body)}
end
