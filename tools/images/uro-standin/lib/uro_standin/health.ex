defmodule UroStandin.Health do
  @moduledoc """
  GET /health: the database (a real SELECT) and storage (a real S3 PUT+GET) checked in parallel, each
  within a deadline shorter than the probes' 3 s timeout. 200 only when both are ok, 503 otherwise.
  """

  alias UroStandin.{Database, Storage}

  @check_timeout 2_500

  def report(settings) do
    checks = [
      database: fn -> Database.check(settings.database, @check_timeout - 200) end,
      storage: fn -> Storage.check(settings.s3, @check_timeout - 200) end
    ]

    results =
      checks
      |> Enum.map(fn {name, fun} ->
        {name, Task.Supervisor.async_nolink(UroStandin.TaskSupervisor, fun)}
      end)
      |> Enum.map(fn {name, task} ->
        result =
          case Task.yield(task, @check_timeout) || Task.shutdown(task, :brutal_kill) do
            {:ok, result} -> result
            {:exit, reason} -> {:error, "check crashed: #{inspect(reason, limit: 20)}"}
            nil -> {:error, "no answer within #{@check_timeout} ms"}
          end

        {name, result}
      end)

    healthy = Enum.all?(results, fn {_, result} -> match?({:ok, _}, result) end)

    body = %{
      status: if(healthy, do: "ok", else: "degraded"),
      service: "uro-standin",
      note: "a stand-in for V-Sekai's uro, not uro itself",
      version: UroStandin.version(),
      node: to_string(node()),
      nodes: Enum.map(Node.list(), &to_string/1),
      database: section(results[:database]),
      storage: section(results[:storage])
    }

    {if(healthy, do: 200, else: 503), body}
  end

  defp section({:ok, detail}), do: %{ok: true, detail: detail}
  defp section({:error, detail}), do: %{ok: false, detail: detail}
end
