# Configuration for `jupyter console` in the console test (copied into the
# test's private JUPYTER_CONFIG_DIR).
#
# It works around a bug of jupyter-console itself (jupyter/jupyter_console
# issue 296, seen with Debian's 6.4.4 and with ipykernel too): after the
# first prompt, prompt_toolkit's loop.remove_signal_handler(SIGINT) puts
# Python's default SIGINT handler back in place of the console's relay, so
# Ctrl-C during a cell raises KeyboardInterrupt in the console ("escaped
# interact()") instead of asking the kernel to interrupt, and the console
# then waits for a cell that never ends. The relay is put back while a cell
# runs; what the kernel does with the interrupt is what the test checks.
import signal

from jupyter_console.ptshell import ZMQTerminalInteractiveShell

_run_cell = ZMQTerminalInteractiveShell.run_cell


def _run_cell_relaying_sigint(self, cell, store_history=True):
    def relay(signum, frame):
        if self._executing and self.manager is not None:
            self.manager.interrupt_kernel()

    previous = signal.signal(signal.SIGINT, relay)
    try:
        return _run_cell(self, cell, store_history)
    finally:
        signal.signal(signal.SIGINT, previous)


ZMQTerminalInteractiveShell.run_cell = _run_cell_relaying_sigint

c = get_config()  # noqa: F821 (provided by the config loader)
c.ZMQTerminalIPythonApp.confirm_exit = False
