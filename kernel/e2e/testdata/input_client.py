"""Runs one cell through jupyter_client as jupyter console does.

usage: input_client.py CONNECTION_FILE CODE

The cell may ask for input: jupyter_client's default stdin hook reads a line
of this process's stdin with input() and answers with client.input(), whose
input_reply has an empty parent header. Stream output goes to stdout; the
last line is "status: " and the execute_reply's status.
"""
import sys

from jupyter_client import BlockingKernelClient

client = BlockingKernelClient(connection_file=sys.argv[1])
client.load_connection_file()
client.start_channels()
try:
    client.wait_for_ready(timeout=60)
    reply = client.execute_interactive(sys.argv[2], allow_stdin=True, timeout=60)
    print("status:", reply["content"]["status"])
finally:
    client.stop_channels()
