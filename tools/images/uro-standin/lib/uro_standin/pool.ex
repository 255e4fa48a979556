defmodule UroStandin.Pool do
  @moduledoc """
  At most POOL_SIZE database connections open at once: a counting semaphore. Callers beyond the limit
  wait in order; a caller that dies gives its slot back (the pool monitors it).
  """
  use GenServer

  def start_link(size), do: GenServer.start_link(__MODULE__, size, name: __MODULE__)

  def checkout(fun, wait \\ 15_000) do
    case GenServer.call(__MODULE__, :acquire, wait) do
      :ok ->
        try do
          fun.()
        after
          GenServer.cast(__MODULE__, {:release, self()})
        end
    end
  catch
    :exit, {:timeout, _} -> {:error, "all #{size()} database connections (POOL_SIZE) stayed busy"}
  end

  def size, do: :persistent_term.get({__MODULE__, :size}, 0)

  @impl true
  def init(size) do
    :persistent_term.put({__MODULE__, :size}, size)
    {:ok, %{free: size, holders: %{}, waiting: :queue.new()}}
  end

  @impl true
  def handle_call(:acquire, {pid, _} = from, %{free: 0} = state) do
    {:noreply, %{state | waiting: :queue.in({from, pid}, state.waiting)}}
  end

  def handle_call(:acquire, {pid, _}, state) do
    {:reply, :ok, grant(%{state | free: state.free - 1}, pid)}
  end

  @impl true
  def handle_cast({:release, pid}, state), do: {:noreply, release(state, pid)}

  @impl true
  def handle_info({:DOWN, _ref, :process, pid, _}, state), do: {:noreply, release(state, pid)}

  defp grant(state, pid) do
    %{state | holders: Map.put(state.holders, pid, Process.monitor(pid))}
  end

  defp release(state, pid) do
    case Map.pop(state.holders, pid) do
      {nil, _} ->
        state

      {ref, holders} ->
        Process.demonitor(ref, [:flush])
        hand_over(%{state | holders: holders})
    end
  end

  # The freed slot goes to the first waiter still alive; a waiter whose call timed out is skipped.
  defp hand_over(state) do
    case :queue.out(state.waiting) do
      {:empty, _} ->
        %{state | free: state.free + 1}

      {{:value, {from, pid}}, rest} ->
        if Process.alive?(pid) do
          GenServer.reply(from, :ok)
          grant(%{state | waiting: rest}, pid)
        else
          hand_over(%{state | waiting: rest})
        end
    end
  end
end
