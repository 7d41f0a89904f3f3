"""Writes wire_golden.txt: messages serialised by jupyter_client's Session.

Run with /usr/bin/python3 gen_wire_golden.py from this directory.
"""
from jupyter_client.session import Session

lines = [
    "# Frames of messages serialised and signed by jupyter_client 7.4.9's Session,",
    "# the reference client. One frame per line: \"frame: TEXT\" for UTF-8 text,",
    "# \"hex: HEX\" for binary buffers. Regenerate with gen_wire_golden.py.",
    "",
]


def add(name, msg_type, content, ident=(b"peer-1",), buffers=(), key=b"c0ffee-key"):
    s = Session(key=key, username="alice", session="client-session-1")
    metadata = {"deletedCells": []} if msg_type == "execute_request" else {}
    msg = s.msg(msg_type, content=content, metadata=metadata)
    if msg_type == "execute_request":
        msg["header"]["subshell_id"] = None  # a key the kernel does not know must survive
    frames = s.serialize(msg, ident=list(ident)) + list(buffers)
    lines.append(f"-- {name} --")
    lines.append(f"key: {key.decode()}")
    lines.append(f"msg_type: {msg_type}")
    for f in frames:
        try:
            t = f.decode()
            if any(ord(ch) < 32 for ch in t):
                raise ValueError
            lines.append("frame: " + t)
        except ValueError:
            lines.append("hex: " + f.hex())
    lines.append("")


add("execute_request", "execute_request", {
    "code": 'fmt.Println("héllo")', "silent": False, "store_history": True,
    "user_expressions": {}, "allow_stdin": True, "stop_on_error": True})
add("kernel_info_two_identities", "kernel_info_request", {}, ident=(b"router-a", b"peer-2"))
add("comm_msg_with_buffers", "comm_msg", {"comm_id": "c1", "data": {}}, buffers=(b"\x00\x01\x02", b"buf2"))
add("unsigned", "kernel_info_request", {}, key=b"")
open("wire_golden.txt", "w").write("\n".join(lines))
