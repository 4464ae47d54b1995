#!/usr/bin/env python3
"""A "registry" that accepts TCP connections on 127.0.0.1 and never answers.

Prints the port it listens on as its only stdout line, then holds every connection open
(reading and discarding what arrives, so that clients never block on a full buffer) until
it is killed. Used by run.sh to make every evidence lookup time out.
"""
import selectors
import socket
import sys

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0))
listener.listen(4096)
listener.setblocking(False)
print(listener.getsockname()[1], flush=True)

selector = selectors.DefaultSelector()
selector.register(listener, selectors.EVENT_READ)
while True:
    for key, _ in selector.select():
        if key.fileobj is listener:
            try:
                conn, _ = listener.accept()
            except BlockingIOError:
                continue
            conn.setblocking(False)
            selector.register(conn, selectors.EVENT_READ)
        else:
            try:
                data = key.fileobj.recv(65536)
            except (BlockingIOError, ConnectionError):
                data = b"x"
            if not data:
                # The client gave up: forget the connection.
                selector.unregister(key.fileobj)
                key.fileobj.close()
