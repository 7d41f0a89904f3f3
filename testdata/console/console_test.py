#!/usr/bin/python3
"""Drive `jupyter console --kernel NAME` under tmux, as a person at a
terminal would: type keys, read the screen.

Checks:
  - a multi-line func typed line by line is held until it is complete
    (the kernel's is_complete), then defined, and callable;
  - Tab completes a package member;
  - Ctrl-C interrupts an endless loop and the session goes on with its values;
  - a Go module is pinned with %go get, imported, completed and called;
  - a cell reads a line typed at the console's input prompt.

Every wait polls the pane's content with a deadline; nothing sleeps for a
fixed time. On failure the pane is printed. Exit status is non-zero if any
check fails.

Environment:
  DMIRROR_BIN  dmirror binary whose kernelspec is installed with --prefix
               (unset: use the kernelspecs Jupyter already has, and JUPYTER_PATH)
  KERNEL       kernel name (default dmirror)
  ARTIFACTS    where to save the final pane (default: artifacts/ in the repo)
  TMUX_SOCKET  name of the private tmux server (tmux -L)
"""

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# What to type, per kernel. Each cell is typed line by line, with Enter.
PROFILES = {
    "dmirror": {
        "func": ["func add(a, b int) int {", "return a + b", "}"],
        "call": "add(2, 3)",
        "want_call": "5",
        "import": 'import "strings"',
        "complete_prefix": "strings.HasPre",
        "completed": "strings.HasPrefix",
        "complete_rest": '("golang", "go")',
        "want_complete": "true",
        "keep": "kept := 41",
        "loop_import": 'import "fmt"',
        "loop": 'for i := 0; ; i++ { if i == 0 { fmt.Println("looping") } }',
        "after": "kept + 1",
        "input": 'name := ""; fmt.Print("name? "); fmt.Scanln(&name); fmt.Println("hello", name)',
        # A Go module, fetched into the session (from the module cache, or
        # through the module proxy).
        "module_get": "%go get github.com/google/uuid@v1.6.0",
        "module_got": "go get: github.com/google/uuid@v1.6.0",
        "module_import": 'import "github.com/google/uuid"',
        "module_prefix": "uuid.MustPa",
        "module_completed": "uuid.MustParse",
        "module_rest": '("f47ac10b-58cc-4372-a567-0e02b2c3d479").String()',
        "module_want": '"f47ac10b-58cc-4372-a567-0e02b2c3d479"',
    },
    "python3": {
        "func": ["def add(a, b):", "return a + b", ""],
        "call": "add(2, 3)",
        "want_call": "5",
        "import": "import os",
        "complete_prefix": "os.getpp",
        "completed": "os.getppid",
        "complete_rest": "() > 0",
        "want_complete": "True",
        "keep": "kept = 41",
        "loop": "exec(\"print('looping', flush=True)\\nwhile True: pass\")",
        "after": "kept + 1",
        "input": 'name = input("name? "); print("hello", name)',
    },
}


class Failure(Exception):
    pass


class Pane:
    """A tmux session on a private server socket, running one command."""

    def __init__(self, command, env):
        self.socket = os.environ.get("TMUX_SOCKET") or "dmirror-console-%d" % os.getpid()
        self.env = env
        self.last = ""  # the last screen seen, kept once the pane is gone
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "console",
                  "-x", "160", "-y", "50", command)

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.socket, *args], env=self.env,
                              check=check, capture_output=True, text=True)

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "console", *keys)

    def type(self, text):
        # -l: literal text, so that words such as "Enter" are not key names.
        self.tmux("send-keys", "-t", "console", "-l", text)

    def screen(self):
        r = self.tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "console", check=False)
        if r.returncode != 0:
            return ""
        self.last = r.stdout
        return r.stdout

    def alive(self):
        return self.tmux("has-session", "-t", "console", check=False).returncode == 0

    def wait(self, what, pred, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            if pred(s):
                return s
            if time.monotonic() > deadline:
                raise Failure("timed out after %gs waiting for %s" % (timeout, what))
            time.sleep(0.05)  # poll interval, not a synchronisation

    def close(self):
        self.tmux("kill-server", check=False)


def prompts(screen):
    """The numbers of the In [n] prompts on the screen, in order."""
    return [int(n) for n in re.findall(r"^In \[(\d+)\]:", screen, re.M)]


def last_prompt(screen):
    p = prompts(screen)
    return p[-1] if p else 0


def after_last_prompt(screen, n):
    """The screen text from the In [n] prompt on."""
    i = screen.rfind("In [%d]:" % n)
    return screen[i:] if i >= 0 else ""


def wait_prompt(pane, n, timeout=60.0):
    """Waits for an empty In [n] prompt: the console is ready for input."""
    return pane.wait("prompt In [%d]" % n,
                     lambda s: re.search(r"^In \[%d\]: *$" % n, s, re.M) is not None, timeout)


def run_line(pane, code, timeout=60.0):
    """Types one line, presses Enter, waits for the next prompt; returns the
    text the cell printed (from its prompt to the next one)."""
    s = pane.screen()
    n = last_prompt(s)
    pane.type(code)
    pane.keys("Enter")
    s = wait_prompt(pane, n + 1, timeout)
    return s[s.rfind("In [%d]:" % n):s.rfind("In [%d]:" % (n + 1))]


def check_multiline(pane, p, record):
    n = last_prompt(pane.screen())
    for i, line in enumerate(p["func"]):
        pane.type(line)
        pane.keys("Enter")
        if i < len(p["func"]) - 1:
            # Held: a continuation prompt for this line, and no new In [].
            want = i + 1
            s = pane.wait("continuation line %d" % (i + 1),
                          lambda s: len(re.findall(r"^ +\.\.\.: ", after_last_prompt(s, n), re.M)) >= want)
            if last_prompt(s) != n:
                raise Failure("the console ran the cell after line %d: %r" % (i + 1, p["func"][i]))
    wait_prompt(pane, n + 1)
    out = run_line(pane, p["call"])
    record("a func typed line by line is held until complete, then callable",
           re.search(r"Out\[\d+\]: %s\b" % re.escape(p["want_call"]), out) is not None or "output %r" % out)


def check_completion(pane, p, record):
    run_line(pane, p["import"])
    n = last_prompt(pane.screen())
    pane.type(p["complete_prefix"])
    pane.keys("Tab")
    pane.wait("Tab to complete %s" % p["completed"],
              lambda s: re.search(r"^In \[%d\]: %s" % (n, re.escape(p["completed"])), s, re.M) is not None)
    # Closes a completion menu, if one is shown, keeping the text.
    pane.type(p["complete_rest"])
    pane.keys("Enter")
    s = wait_prompt(pane, n + 1)
    out = after_last_prompt(s, n)
    record("Tab completes a package member",
           re.search(r"Out\[%d\]: %s\b" % (n, re.escape(p["want_complete"])), out) is not None or "output %r" % out)


def check_module(pane, p, record):
    if "module_get" not in p:
        return
    out = run_line(pane, p["module_get"], timeout=180)
    record("%go get pins a module version", p["module_got"] in out or "output %r" % out)
    out = run_line(pane, p["module_import"], timeout=180)
    record("a cell imports a Go module", "Error" not in out or "output %r" % out)
    n = last_prompt(pane.screen())
    pane.type(p["module_prefix"])
    pane.keys("Tab")
    pane.wait("Tab to complete %s" % p["module_completed"],
              lambda s: re.search(r"^In \[%d\]: %s" % (n, re.escape(p["module_completed"])), s, re.M) is not None)
    pane.type(p["module_rest"])
    pane.keys("Enter")
    s = wait_prompt(pane, n + 1)
    out = after_last_prompt(s, n)
    record("Tab completes a module's member, and the call runs",
           re.search(r"Out\[%d\]: %s" % (n, re.escape(p["module_want"])), out) is not None or "output %r" % out)


def check_input(pane, p, record):
    """A cell reads a line: the console asks for it (jupyter_client answers
    with an empty parent header) and the cell prints it."""
    n = last_prompt(pane.screen())
    pane.type(p["input"])
    pane.keys("Enter")
    # The prompt is on the line below the cell's: the console waits for
    # the answer (typed before, it could be taken for the next cell).
    pane.wait("the cell to ask for input",
              lambda s: re.search(r"^name\? *$", after_last_prompt(s, n), re.M) is not None)
    pane.type("gopher")
    pane.keys("Enter")
    s = wait_prompt(pane, n + 1, timeout=30)
    out = after_last_prompt(s, n)
    record("a cell reads a line typed at the console",
           re.search(r"^hello gopher$", out, re.M) is not None or "output %r" % out)


def check_interrupt(pane, p, record):
    if p.get("loop_import"):
        run_line(pane, p["loop_import"])
    run_line(pane, p["keep"])
    n = last_prompt(pane.screen())
    pane.type(p["loop"])
    pane.keys("Enter")
    pane.wait("the loop to start", lambda s: re.search(r"^looping$", after_last_prompt(s, n), re.M) is not None)
    t0 = time.monotonic()
    pane.keys("C-c")
    s = wait_prompt(pane, n + 1, timeout=30)
    record("Ctrl-C interrupts an endless loop (%.0f ms)" % ((time.monotonic() - t0) * 1000), True)
    escaped = "KeyboardInterrupt escaped interact()"
    record("the interrupt reached the kernel, not only the console",
           escaped not in after_last_prompt(s, n) or "the console says %r" % escaped)

    def kernel_said(screen):
        # The kernel's words about the interrupted cell: after the cell's
        # input line, without the console's own "^C". Under heavy load the
        # console may draw the next prompt first (a missed heartbeat ends
        # its wait early), so the words may come after that prompt.
        lines = screen[screen.find("In [%d]:" % n):].splitlines()[2:]
        return "\n".join(l for l in lines if l.strip() not in ("", "^C") and escaped not in l)

    try:
        pane.wait("the kernel to say the cell was interrupted",
                  lambda s: re.search(r"interrupt", kernel_said(s), re.I) is not None, timeout=10)
        record("the interrupted cell says so", True)
    except Failure:
        record("the interrupted cell says so", "output %r" % after_last_prompt(pane.screen(), n))
    out = run_line(pane, p["after"])
    record("the session goes on with its values",
           re.search(r"Out\[\d+\]: 42\b", out) is not None or "output %r" % out)


def shutdown_kernels(runtime):
    """Asks every kernel this test started to shut down, over the protocol,
    in case the console could not."""
    from jupyter_client import BlockingKernelClient
    for cf in glob.glob(os.path.join(runtime, "kernel-*.json")):
        c = BlockingKernelClient(connection_file=cf)
        try:
            c.load_connection_file()
            c.start_channels()
            c.shutdown()
        except Exception as e:  # the kernel may be gone already
            print("shutdown %s: %s" % (cf, e), file=sys.stderr)
        finally:
            c.stop_channels()


def processes_under(root):
    """The processes whose command line names a path under root: the
    kernels this test's consoles started (their connection files are in
    root), found by id, not by name."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if any(a.startswith(root.encode() + b"/") for a in args):
            pids.append(int(d))
    return pids


def stop_processes_under(root, grace=5.0):
    """Ends what is left of this test's processes: SIGTERM, then SIGKILL
    after grace seconds."""
    import signal
    pids = processes_under(root)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while pids and time.monotonic() < deadline:
        pids = [p for p in pids if os.path.exists("/proc/%d" % p)]
        time.sleep(0.05)  # poll interval while waiting for them to exit
    for pid in pids:
        print("killing leftover process %d" % pid, file=sys.stderr)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def main():
    kernel = os.environ.get("KERNEL", "dmirror")
    p = PROFILES[kernel]
    artifacts = os.environ.get("ARTIFACTS", os.path.join(REPO, "artifacts"))
    os.makedirs(artifacts, exist_ok=True)
    root = tempfile.mkdtemp(prefix="dmirror-console-")
    env = dict(os.environ)
    env.update({
        "JUPYTER_DATA_DIR": os.path.join(root, "data"),
        "JUPYTER_CONFIG_DIR": os.path.join(root, "config"),
        "JUPYTER_RUNTIME_DIR": os.path.join(root, "runtime"),
        "IPYTHONDIR": os.path.join(root, "ipython"),
        "TERM": "xterm-256color",
    })
    # The console's configuration, with a workaround for its Ctrl-C bug.
    os.makedirs(env["JUPYTER_CONFIG_DIR"])
    shutil.copy(os.path.join(HERE, "jupyter_console_config.py"), env["JUPYTER_CONFIG_DIR"])
    if os.environ.get("DMIRROR_BIN"):
        env["JUPYTER_PATH"] = os.path.join(root, "prefix", "share", "jupyter")
        subprocess.run([os.environ["DMIRROR_BIN"], "install", "--prefix", os.path.join(root, "prefix")],
                       env=env, check=True)
    command = " ".join(shlex.quote(a) for a in [
        "/usr/bin/jupyter-console", "--kernel", kernel,
        "--ZMQTerminalInteractiveShell.highlighting_style=bw",
    ])
    results = []

    def record(what, outcome):
        ok = outcome is True
        results.append(ok)
        print("%s %s%s" % ("PASS" if ok else "FAIL", what, "" if ok else ": %s" % outcome), flush=True)

    pane = Pane(command, env)
    try:
        t0 = time.monotonic()
        wait_prompt(pane, 1, timeout=120)
        print("console ready in %.1f s" % (time.monotonic() - t0), flush=True)
        for check in (check_multiline, check_completion, check_interrupt, check_input, check_module):
            try:
                check(pane, p, record)
            except Failure as e:
                record(check.__name__, str(e))
                break
        # Ctrl-D at an empty prompt ends the console and its kernel.
        pane.keys("C-d")
        try:
            pane.wait("the console to exit", lambda s: not pane.alive(), timeout=30)
            record("the console exits on Ctrl-D", True)
        except Failure as e:
            record("the console exits on Ctrl-D", str(e))
    finally:
        screen = pane.screen() or pane.last
        with open(os.path.join(artifacts, "console-pane.txt"), "w") as f:
            f.write(screen)
        if not all(results):
            print("---- pane ----\n%s\n--------------" % screen)
        # Kernels first, while their connection files exist (a console
        # that is killed removes them), then the console.
        shutdown_kernels(env["JUPYTER_RUNTIME_DIR"])
        pane.close()
        stop_processes_under(root)
        subprocess.run(["rm", "-rf", root], check=False)
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 0 if results and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
