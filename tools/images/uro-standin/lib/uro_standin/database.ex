defmodule UroStandin.Database do
  @moduledoc """
  SQL through Debian's p1_pgsql (PostgreSQL wire protocol, which CockroachDB speaks too). One short
  connection per use, inside a supervised task with a deadline: a hung server costs a timeout, never a
  stuck caller. POOL_SIZE caps how many connections are open at once, as Ecto's pool would.
  """

  alias UroStandin.Settings.Database, as: Db

  @table "uro_standin_probes"
  @probe_note "created by UroStandin.Release.migrate"

  def table, do: @table

  @doc "The migration: idempotent DDL and one seed row, safe to run on every rollout."
  def migration_statements do
    [
      "CREATE TABLE IF NOT EXISTS #{@table} (id INT8 PRIMARY KEY, note TEXT NOT NULL, " <>
        "migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())",
      "INSERT INTO #{@table} (id, note) VALUES (1, '#{@probe_note}') ON CONFLICT (id) DO NOTHING"
    ]
  end

  def migrate(%Db{} = db, timeout \\ 60_000) do
    with_connection(db, timeout, fn conn ->
      Enum.reduce_while(migration_statements(), :ok, fn sql, :ok ->
        case query(conn, sql) do
          {:ok, _} -> {:cont, :ok}
          {:error, reason} -> {:halt, {:error, "#{reason} (in: #{sql})"}}
        end
      end)
    end)
  end

  @doc "The health check: a real SELECT against the migrated table. {:ok, detail} | {:error, detail}."
  def check(%Db{} = db, timeout) do
    with_connection(db, timeout, fn conn ->
      case query(conn, "SELECT note FROM #{@table} WHERE id = 1") do
        {:ok, [[@probe_note]]} -> {:ok, "SELECT from #{@table} returned the migration's row"}
        {:ok, []} -> {:error, "#{@table} has no row 1: run UroStandin.Release.migrate"}
        {:ok, rows} -> {:error, "unexpected rows from #{@table}: #{inspect(rows)}"}
        {:error, reason} -> {:error, reason}
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
