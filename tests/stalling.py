"""A TCP server that accepts connections and then never answers (after an optional greeting):
a database, mail server or broker that hangs, for tests of timeouts."""

import socket
import threading


class StallingServer:
    def __init__(self, greeting: bytes = b"") -> None:
        self.greeting = greeting
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connected = threading.Event()
        self.clients: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.socket.accept()
            except OSError:
                return
            self.clients.append(client)
            if self.greeting:
                client.sendall(self.greeting)
            self.connected.set()

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.socket.close()
