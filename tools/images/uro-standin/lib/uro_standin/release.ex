defmodule UroStandin.Release do
  @moduledoc """
  Tasks run from the release, as a Phoenix app's `MyApp.Release`:
  `bin/uro_standin eval "UroStandin.Release.migrate"`.
  """

  alias UroStandin.{Database, Settings}

  def migrate do
    {:ok, _} = Application.ensure_all_started(:ssl)
    Application.load(:uro_standin)
    {:ok, _} = Task.Supervisor.start_link(name: UroStandin.TaskSupervisor)
    settings = Settings.load()
    {:ok, _} = UroStandin.Pool.start_link(1)
    db = settings.database

    IO.puts(
      "#{UroStandin.banner()}: migrating #{db.database} on #{db.host}:#{db.port} (sslmode=#{db.sslmode})"
    )

    case Database.migrate(db) do
      {:ok, []} ->
        IO.puts(
          "uro-standin: migration done: nothing to apply, schema at #{Database.needed_version()}"
        )

      {:ok, applied} ->
        IO.puts(
          "uro-standin: migration done: applied #{Enum.join(applied, ", ")}, schema at #{Database.needed_version()}"
        )

      {:error, reason} ->
        IO.puts(:stderr, "uro-standin: migration failed: #{reason}")
        System.halt(1)
    end
  end
end
