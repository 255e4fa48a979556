defmodule UroStandin.HTTP do
  @moduledoc """
  A small HTTP/1.1 server on gen_tcp: the socket parses request lines and headers (`packet: :http_bin`),
  one process per connection, one request per connection (`Connection: close`). Enough for probes, curl
  and an Ingress; not a web framework.
  """
  require Logger

  @recv_timeout 10_000
  @max_headers 100
  # Enough for a row's payload (POST /api/rows); anything larger is refused before it is read.
  @max_body 4_096

  def child_spec({name, port, handler}) do
    %{id: {__MODULE__, name}, start: {__MODULE__, :start_link, [name, port, handler]}}
  end

  def start_link(name, port, handler) do
    opts = [:binary, packet: :http_bin, active: false, reuseaddr: true, backlog: 128]

    case :gen_tcp.listen(port, opts) do
      {:ok, listen} ->
        pid = spawn_link(fn -> accept_loop(listen, name, handler) end)
        :ok = :gen_tcp.controlling_process(listen, pid)
        Logger.info("#{name} endpoint listening on port #{port}")
        {:ok, pid}

      {:error, reason} ->
        {:error, "#{name} endpoint cannot listen on port #{port}: #{:inet.format_error(reason)}"}
    end
  end

  defp accept_loop(listen, name, handler) do
    {:ok, socket} = :gen_tcp.accept(listen)

    {:ok, pid} =
      Task.Supervisor.start_child(UroStandin.TaskSupervisor, fn ->
        receive do
          :go -> serve(socket, name, handler)
        after
          5_000 -> :gen_tcp.close(socket)
        end
      end)

    :ok = :gen_tcp.controlling_process(socket, pid)
    send(pid, :go)
    accept_loop(listen, name, handler)
  end

  defp serve(socket, name, handler) do
    with {:ok, {:http_request, method, {:abs_path, target}, _version}} <-
           :gen_tcp.recv(socket, 0, @recv_timeout),
         {:ok, headers} <- read_headers(socket, []),
         {:ok, request_body} <- read_body(socket, headers) do
      path = target |> String.split("?", parts: 2) |> hd()
      {status, content_type, body} = handler.(name, to_string(method), path, headers, request_body)
      UroStandin.Metrics.count_request(name, path, status)
      respond(socket, method, status, content_type, body)
    else
      {:error, :too_large} ->
        UroStandin.Metrics.count_request(name, nil, 413)
        respond(socket, "POST", 413, "text/plain", "body over #{@max_body} bytes\n")

      _ ->
        UroStandin.Metrics.count_request(name, nil, 400)
        respond(socket, "GET", 400, "text/plain", "bad request\n")
    end

    :gen_tcp.close(socket)
  end

  defp read_headers(_socket, acc) when length(acc) > @max_headers, do: {:error, :too_many_headers}

  defp read_headers(socket, acc) do
    case :gen_tcp.recv(socket, 0, @recv_timeout) do
      {:ok, {:http_header, _, field, _, value}} ->
        read_headers(socket, [{to_string(field), value} | acc])

      {:ok, :http_eoh} ->
        {:ok, Enum.reverse(acc)}

      other ->
        {:error, other}
    end
  end

  # Only a Content-Length body (no chunked uploads): what curl and Node's fetch send for a short string.
  defp read_body(socket, headers) do
    case List.keyfind(headers, "Content-Length", 0) do
      nil ->
        {:ok, ""}

      {_, text} ->
        case Integer.parse(text) do
          {0, ""} -> {:ok, ""}
          {n, ""} when n > 0 and n <= @max_body -> recv_body(socket, n)
          {n, ""} when n > @max_body -> {:error, :too_large}
          _ -> {:error, :bad_length}
        end
    end
  end

  defp recv_body(socket, length) do
    :ok = :inet.setopts(socket, packet: :raw)
    :gen_tcp.recv(socket, length, @recv_timeout)
  end

  defp respond(socket, method, status, content_type, body) do
    body = IO.iodata_to_binary(body)

    head = [
      "HTTP/1.1 #{status} #{reason(status)}\r\n",
      "content-type: #{content_type}\r\n",
      "content-length: #{byte_size(body)}\r\n",
      "cache-control: no-store\r\n",
      "x-uro-standin: #{UroStandin.version()}\r\n",
      "connection: close\r\n\r\n"
    ]

    :gen_tcp.send(socket, if(method == :HEAD, do: head, else: [head, body]))
  end

  defp reason(200), do: "OK"
  defp reason(201), do: "Created"
  defp reason(400), do: "Bad Request"
  defp reason(404), do: "Not Found"
  defp reason(405), do: "Method Not Allowed"
  defp reason(413), do: "Content Too Large"
  defp reason(503), do: "Service Unavailable"
  defp reason(_), do: "Unknown"
end
