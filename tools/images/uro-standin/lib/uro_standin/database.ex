defmodule UroStandin.Database do
  @moduledoc """
  SQL through Debian's p1_pgsql (PostgreSQL wire protocol, which CockroachDB speaks too). One short
  connection per use, inside a supervised task with a deadline: a hung server costs a timeout, never a
  stuck caller. POOL_SIZE caps how many connections are open at once, as Ecto's pool would.
  """

  alias UroStandin.Settings.Database, as: Db

  @table "uro_standin_probes"
  @probe_note "created by UroStandin.Release.migrate"
  # Rows the load generator writes and reads back (POST/GET /api/rows); BIGSERIAL is a sequence in
  # PostgreSQL and unique_rowid() in CockroachDB, so ids are unique but not dense.
  @rows_table "uro_standin_rows"

  def table, do: @table
  def rows_table, do: @rows_table

  # What has been migrated, one row per release whose migration completed, and every run of the migration
  # with the release that ran it: the live tests read both (the new release's Job ran exactly once, before
  # any of its pods started).
  @schema_table "uro_standin_schema"
  @runs_table "uro_standin_migration_runs"
  @failing_migration Application.compile_env(:uro_standin, :failing_migration, false)

  def schema_table, do: @schema_table
  def runs_table, do: @runs_table

  @doc "The tables that record migrations; created first by every run, idempotently."
  def bookkeeping_statements do
    [
      "CREATE TABLE IF NOT EXISTS #{@schema_table} (version TEXT PRIMARY KEY, " <>
        "migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())",
      "CREATE TABLE IF NOT EXISTS #{@runs_table} (id BIGSERIAL PRIMARY KEY, version TEXT NOT NULL, " <>
        "ran_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    ]
  end

  @doc """
  Every release's migration, oldest first, as {version, statements}. A release applies those up to its own
  version; each statement is idempotent, so a run interrupted half-way can simply run again.
  """
  def migrations(own_version \\ UroStandin.version()) do
    known = [
      {"0.1.0",
       [
         "CREATE TABLE IF NOT EXISTS #{@table} (id INT8 PRIMARY KEY, note TEXT NOT NULL, " <>
           "migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())",
         "INSERT INTO #{@table} (id, note) VALUES (1, '#{@probe_note}') ON CONFLICT (id) DO NOTHING",
         "CREATE TABLE IF NOT EXISTS #{@rows_table} (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL, " <>
           "created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
       ]},
      {"0.1.1",
       [
         "CREATE TABLE IF NOT EXISTS uro_standin_release_notes (version TEXT PRIMARY KEY, note TEXT NOT NULL)",
         "INSERT INTO uro_standin_release_notes (version, note) " <>
           "VALUES ('0.1.1', 'added this table') ON CONFLICT (version) DO NOTHING"
       ]}
    ]

    # The fixture's broken step: a typo'd table name, the kind of mistake that reaches a release.
    broken =
      if @failing_migration,
        do: [{own_version, ["ALTER TABLE uro_standin_relase_notes ADD COLUMN author TEXT"]}],
        else: []

    Enum.filter(known, fn {version, _} -> Version.compare(version, own_version) != :gt end) ++
      broken
  end

  @doc "The newest migration this release needs before it can serve."
  def needed_version(own_version \\ UroStandin.version()) do
    own_version |> migrations() |> List.last() |> elem(0)
  end

  @doc """
  Inserts a row and returns {:ok, id} with the id as the server's decimal text. The payload must already
  be checked by UroStandin.Rows (it is spliced into the statement: p1_pgsql's simple query has no
  parameters).
  """
  def insert_row(%Db{} = db, payload, timeout) do
    with_connection(db, timeout, fn conn ->
      case query(conn, "INSERT INTO #{@rows_table} (payload) VALUES ('#{payload}') RETURNING id") do
        {:ok, [[id]]} ->
          {:ok, id}

        {:ok, rows} ->
          {:error, "unexpected rows from INSERT into #{@rows_table}: #{inspect(rows)}"}

        {:error, reason} ->
          {:error, reason}
      end
    end)
  end

  @doc "Reads a row by id (an integer): {:ok, payload} | :not_found | {:error, detail}."
  def fetch_row(%Db{} = db, id, timeout) when is_integer(id) do
    with_connection(db, timeout, fn conn ->
      case query(conn, "SELECT payload FROM #{@rows_table} WHERE id = #{id}") do
        {:ok, [[payload]]} -> {:ok, payload}
        {:ok, []} -> :not_found
        {:ok, rows} -> {:error, "unexpected rows from #{@rows_table}: #{inspect(rows)}"}
        {:error, reason} -> {:error, reason}
      end
    end)
  end

  @doc "Runs the migrations this release has and the database lacks; {:ok, applied versions} | {:error, _}."
  def migrate(%Db{} = db, timeout \\ 60_000) do
    own = UroStandin.version()

    with_connection(db, timeout, fn conn ->
      with :ok <- run_all(conn, bookkeeping_statements()),
           :ok <- run_all(conn, ["INSERT INTO #{@runs_table} (version) VALUES ('#{own}')"]),
           {:ok, done} <- query(conn, "SELECT version FROM #{@schema_table}") do
        done = MapSet.new(done, fn [version] -> version end)

        own
        |> migrations()
        |> Enum.reject(fn {version, _} -> MapSet.member?(done, version) end)
        |> Enum.reduce_while({:ok, []}, fn {version, statements}, {:ok, applied} ->
          recorded =
            "INSERT INTO #{@schema_table} (version) VALUES ('#{version}') ON CONFLICT (version) DO NOTHING"

          case run_all(conn, statements ++ [recorded]) do
            :ok -> {:cont, {:ok, applied ++ [version]}}
            {:error, reason} -> {:halt, {:error, "migration #{version}: #{reason}"}}
          end
        end)
      end
    end)
  end

  defp run_all(conn, statements) do
    Enum.reduce_while(statements, :ok, fn sql, :ok ->
      case query(conn, sql) do
        {:ok, _} -> {:cont, :ok}
        {:error, reason} -> {:halt, {:error, "#{reason} (in: #{sql})"}}
      end
    end)
  end

  @doc """
  The health check: real SELECTs against the migrated tables, and the schema at least as new as this
  release needs (so a pod of a new release is not ready before its migration ran). {:ok, _} | {:error, _}.
  """
  def check(%Db{} = db, timeout) do
    needed = needed_version()

    with_connection(db, timeout, fn conn ->
      with {:probe, {:ok, [[@probe_note]]}} <-
             {:probe, query(conn, "SELECT note FROM #{@table} WHERE id = 1")},
           {:schema, {:ok, [[^needed]]}} <-
             {:schema,
              query(conn, "SELECT version FROM #{@schema_table} WHERE version = '#{needed}'")} do
        {:ok, "SELECT from #{@table} returned the migration's row; schema at #{needed}"}
      else
        {:probe, {:ok, []}} ->
          {:error, "#{@table} has no row 1: run UroStandin.Release.migrate"}

        {:schema, {:ok, []}} ->
          {:error, "migration #{needed} has not run: run UroStandin.Release.migrate"}

        {_, {:ok, rows}} ->
          {:error, "unexpected rows: #{inspect(rows)}"}

        {_, {:error, reason}} ->
          {:error, reason}
      end
    end)
  end

  defp with_connection(db, timeout, fun) do
    UroStandin.Pool.checkout(fn ->
      task =
        Task.Supervisor.async_nolink(UroStandin.TaskSupervisor, fn ->
          # Linked, so killing this task on a timeout takes the connection down with it; trapping exits
          # turns a connection that fails in its init into an {:error, _} instead of a crash.
          Process.flag(:trap_exit, true)

          case :pgsql_proto.start_link(connect_options(db, timeout)) do
            {:ok, conn} ->
              try do
                fun.(conn)
              after
                :pgsql.terminate(conn)
              end

            {:error, reason} ->
              {:error, "connect to #{db.host}:#{db.port} failed: #{describe(reason)}"}
          end
        end)

      case Task.yield(task, timeout) || Task.shutdown(task, :brutal_kill) do
        {:ok, result} ->
          result

        {:exit, reason} ->
          {:error, "connection to #{db.host}:#{db.port} failed: #{describe(reason)}"}

        nil ->
          {:error, "no answer from #{db.host}:#{db.port} within #{timeout} ms"}
      end
    end)
  end

  defp connect_options(db, timeout) do
    base = [
      host: String.to_charlist(db.host),
      port: db.port,
      database: db.database,
      user: db.user,
      password: db.password,
      as_binary: true,
      connect_timeout: timeout
    ]

    # p1_pgsql hands every option it does not know to ssl:connect/3.
    case db.sslmode do
      "disable" -> [{:transport, :tcp} | base]
      _ -> [{:transport, :ssl} | base] ++ db.ssl_options
    end
  end

  # p1_pgsql answers a simple query with one result per statement; errors come back as {:error, fields}.
  defp query(conn, sql) do
    case :pgsql.squery(conn, sql, 10_000) do
      {:ok, [{:error, fields}]} -> {:error, server_error(fields)}
      {:ok, [{_command, _columns, rows}]} -> {:ok, Enum.map(rows, &Enum.map(&1, fn v -> v end))}
      {:ok, [{_command, _count}]} -> {:ok, []}
      {:ok, [command]} when is_binary(command) or is_list(command) -> {:ok, []}
      {:ok, [other]} -> {:ok, other}
      {:error, fields} -> {:error, server_error(fields)}
      other -> {:error, describe(other)}
    end
  end

  defp server_error(fields) when is_list(fields) do
    message = List.keyfind(fields, :message, 0) || List.keyfind(fields, ?M, 0)

    case message do
      {_, text} -> "server error: #{text}"
      nil -> "server error: #{inspect(fields)}"
    end
  end

  defp server_error(other), do: "server error: #{describe(other)}"

  defp describe({:authentication, reason}), do: "authentication failed: #{describe(reason)}"
  defp describe({:init, {:error, reason}}), do: describe(reason)
  defp describe({:bad_return_value, {:error, reason}}), do: describe(reason)
  defp describe({:tls_alert, {kind, text}}), do: "TLS #{kind}: #{text}"
  defp describe({:starttls, :denied}), do: "the server does not offer TLS (sslmode asks for it)"
  defp describe(reason) when is_atom(reason), do: to_string(:inet.format_error(reason))
  defp describe(reason) when is_binary(reason), do: reason
  defp describe(reason), do: inspect(reason, limit: 20)
end
