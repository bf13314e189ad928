"""Current ClickHouse for the tests: chdb-core (ClickHouse 26.x in-process, MergeTree tables on
disk) behind a small HTTP server that answers what the streamer's client and the tests send a
ClickHouse server:

- POST with the query in the `query` parameter and an INSERT's data in the body (LZ4-compressed
  in ClickHouse's block format when `decompress=1`), or with the query in the body;
- the `database` and `default_format` parameters;
- a result as the body; an error as HTTP 500 with ClickHouse's message and the
  X-ClickHouse-Exception-Code header.

    python current_clickhouse.py DATA_DIR PORT_FILE

Serves on a free loopback port, written to PORT_FILE once it listens. One query at a time.
"""

import os
import re
import struct
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import lz4.block
from chdb import session

DATA_DIR, PORT_FILE = sys.argv[1], sys.argv[2]
SESSION = session.Session(DATA_DIR)
LOCK = threading.Lock()
FORMAT_AT_END = re.compile(r"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)


def decompress(body):
    """ClickHouse's compressed blocks: a 16-byte checksum (not checked here), the method (0x82
    for LZ4), the compressed size (with the 9-byte header), the decompressed size, the data."""
    out, i = bytearray(), 0
    while i < len(body):
        method, compressed, size = struct.unpack_from("<BII", body, i + 16)
        block = body[i + 25 : i + 16 + compressed]
        if method == 0x82:
            out += lz4.block.decompress(block, uncompressed_size=size)
        elif method == 0x02:
            out += block
        else:
            raise ValueError(f"compression method {method:#x} is not supported")
        i += 16 + compressed
    return bytes(out)


def run(query, database, output_format, data):
    with LOCK:
        if database:
            SESSION.query(f"USE `{database}`")
        if data is not None:
            match = FORMAT_AT_END.search(query)
            if not match:
                raise ValueError("an INSERT with data needs FORMAT at its end")
            with tempfile.NamedTemporaryFile(dir=DATA_DIR, delete=False) as file:
                file.write(data)
            try:
                query = (
                    f"{query[: match.start()]} FROM INFILE '{file.name}' "
                    f"FORMAT {match.group(1)}"
                )
                return SESSION.query(query, "TabSeparated").bytes()
            finally:
                os.unlink(file.name)
        return SESSION.query(query, output_format).bytes()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        params = {k: v[-1] for k, v in parse_qs(urlparse(self.path).query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self.read_chunked()
        try:
            if "query" in params:
                query = params["query"]
                data = decompress(body) if params.get("decompress") == "1" else body
                data = data if data else None
            else:
                query, data = body.decode(), None
            fmt = params.get("default_format", "TabSeparated")
            result = run(query, params.get("database"), fmt, data)
            self.answer(200, result, {})
        except Exception as error:  # chdb raises ClickHouse's exception as RuntimeError
            text = str(error)
            code = re.search(r"Code: (\d+)", text)
            headers = {"X-ClickHouse-Exception-Code": code.group(1) if code else "1001"}
            self.answer(500, text.encode() + b"\n", headers)

    do_GET = do_POST

    def read_chunked(self):
        body = bytearray()
        while True:
            size = int(self.rfile.readline().strip().split(b";")[0], 16)
            if size == 0:
                self.rfile.readline()
                return bytes(body)
            body += self.rfile.read(size)
            self.rfile.readline()

    def answer(self, status, body, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as file:
    file.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
