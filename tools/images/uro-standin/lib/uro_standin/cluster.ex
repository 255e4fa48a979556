defmodule UroStandin.Cluster do
  @moduledoc """
  Joins the peers behind DNS_CLUSTER_QUERY (a headless Service) into one Erlang cluster, as uro's
  dns_cluster does: every few seconds, resolve the name's A records with :inet_res and Node.connect to
  `<release basename>@<ip>` for each address not yet connected. Bounded: at most @max_peers addresses per
  round, each connect attempt in its own task with a deadline.
  """
  use GenServer
  require Logger

  @interval 5_000
  @max_peers 64
  @dns_timeout 2_000
  @connect_timeout 3_000

  def start_link(query), do: GenServer.start_link(__MODULE__, query, name: __MODULE__)

  @impl true
  def init(query) do
    send(self(), :discover)
    {:ok, %{query: String.to_charlist(query), warned: false}}
  end

  @impl true
  def handle_info(:discover, state) do
    state =
      if Node.alive?() do
        discover(state)
      else
        unless state.warned,
          do:
            Logger.warning(
              "DNS_CLUSTER_QUERY is set but the node is not distributed (RELEASE_DISTRIBUTION=none)"
            )

        %{state | warned: true}
      end

    Process.send_after(self(), :discover, @interval)
    {:noreply, state}
  end

  def handle_info(_other, state), do: {:noreply, state}

  defp discover(state) do
    [basename | _] = node() |> to_string() |> String.split("@")
    connected = MapSet.new(Node.list())

    state.query
    |> resolve()
    |> Enum.take(@max_peers)
    |> Enum.map(fn ip -> :"#{basename}@#{:inet.ntoa(ip)}" end)
    |> Enum.reject(&(&1 == node() or MapSet.member?(connected, &1)))
    |> Task.async_stream(&{&1, Node.connect(&1)},
      timeout: @connect_timeout,
      on_timeout: :kill_task
    )
    |> Enum.each(fn
      {:ok, {peer, true}} -> Logger.info("joined #{peer}; cluster is now #{inspect(Node.list())}")
      {:ok, {peer, _}} -> Logger.debug("could not reach #{peer} yet")
      {:exit, :timeout} -> Logger.debug("a connect attempt timed out")
    end)

    state
  end

  defp resolve(query) do
    :inet_res.lookup(query, :in, :a, [], @dns_timeout)
  end
end
