defmodule UroStandin.RowsTest do
  use ExUnit.Case, async: true
  alias UroStandin.{Database, Rows}

  test "a payload is 1 to 200 characters the INSERT can carry as a literal" do
    assert Rows.valid_payload?("lg-1700000000-42:ab12.cd_EF")
    assert Rows.valid_payload?(String.duplicate("a", 200))
    refute Rows.valid_payload?("")
    refute Rows.valid_payload?(String.duplicate("a", 201))
    refute Rows.valid_payload?("x'); DROP TABLE uro_standin_rows; --")
    refute Rows.valid_payload?("with space")
    refute Rows.valid_payload?("line\nbreak")
  end

  test "an id is decimal digits within a signed 64-bit integer" do
    assert Rows.parse_id("0") == {:ok, 0}
    assert Rows.parse_id("9223372036854775807") == {:ok, 9_223_372_036_854_775_807}
    assert Rows.parse_id("9223372036854775808") == :error
    assert Rows.parse_id("-1") == :error
    assert Rows.parse_id("12abc") == :error
    assert Rows.parse_id("") == :error
  end

  test "a refused payload is a 400 that says what is allowed, before any database is asked" do
    assert {400, "application/json", body} = Rows.create("not allowed!", nil)
    assert IO.iodata_to_binary(body) =~ "1 to 200 characters of A-Z a-z 0-9 . _ : -"
    assert {400, "application/json", body} = Rows.fetch("abc", nil)
    assert IO.iodata_to_binary(body) == ~S|{"error":"\"abc\" is not a row id (decimal digits)"}|
  end

  test "0.1.0's migration creates the rows table after the probe table, idempotently" do
    [{"0.1.0", [probe, seed, rows]}] = Database.migrations("0.1.0")
    assert probe =~ "CREATE TABLE IF NOT EXISTS uro_standin_probes"
    assert seed =~ "ON CONFLICT (id) DO NOTHING"

    assert rows ==
             "CREATE TABLE IF NOT EXISTS uro_standin_rows (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL, " <>
               "created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
  end

  test "a release applies the migrations up to its own version, and needs the newest of them" do
    assert Enum.map(Database.migrations("0.1.0"), &elem(&1, 0)) == ["0.1.0"]
    assert Enum.map(Database.migrations("0.1.1"), &elem(&1, 0)) == ["0.1.0", "0.1.1"]
    assert Enum.map(Database.migrations("0.2.0"), &elem(&1, 0)) == ["0.1.0", "0.1.1"]
    assert Database.needed_version("0.1.0") == "0.1.0"
    assert Database.needed_version("0.1.5") == "0.1.1"
  end
end
