// The fallback containment where no PID namespace can be made: a small Python helper becomes the
// stage's parent and a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so every process of the
// stage that detaches (setsid, a double fork, a daemon) is re-parented to it instead of to init.
// When the command exits, or on SIGTERM/SIGINT/SIGHUP, it signals all its descendants (TERM, the
// grace, then KILL), reaps them, and exits with the command's status. Node has no prctl; Python's
// ctypes is on every runner that trains PyTorch. When the gate's process dies, the helper gets
// SIGTERM (PR_SET_PDEATHSIG) and stops the tree the same way. argv: <the gate's pid> <grace ms> <program> <args...>.
export const SUBREAPER_PY = String.raw`
import ctypes, os, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(36, 1, 0, 0, 0) != 0:
    sys.stderr.write('[accuracy-gate] cannot become a child subreaper\n'); sys.exit(125)
# PR_SET_PDEATHSIG: when the gate dies (even by SIGKILL), SIGTERM here stops the whole tree. A
# gate that died before this line is seen by the parent pid: then nothing is started.
libc.prctl(1, signal.SIGTERM, 0, 0, 0)
if os.getppid() != int(sys.argv[1]): sys.exit(125)
grace = float(sys.argv[2]) / 1000.0
argv = sys.argv[3:]
me = os.getpid()
status = [None]
def descendants():
    kids = {}
    for name in os.listdir('/proc'):
        if not name.isdigit(): continue
        try:
            with open('/proc/' + name + '/stat', 'rb') as f: s = f.read()
        except OSError: continue
        rest = s[s.rfind(b')') + 2:].split()
        if rest[0] in (b'Z', b'X'): continue
        kids.setdefault(int(rest[1]), []).append(int(name))
    out, todo = [], [me]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c); todo.append(c)
    return out
def signal_all(sig):
    for p in descendants():
        try: os.kill(p, sig)
        except OSError: pass
def reap():
    while True:
        try: pid, st = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError: return False
        if pid == 0: return True
        if pid == main: status[0] = st
def forward(sig, frame): signal_all(sig)
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP): signal.signal(s, forward)
main = os.fork()
if main == 0:
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP): signal.signal(s, signal.SIG_DFL)
    try: os.execvp(argv[0], argv)
    except OSError as e:
        sys.stderr.write('[accuracy-gate] cannot start %s: %s\n' % (argv[0], e.strerror)); os._exit(127)
while status[0] is None:
    try: pid, st = os.waitpid(-1, 0)
    except ChildProcessError: break
    if pid == main: status[0] = st
left = descendants()
if left:
    # The pipe is gone when the gate died: a failed write must not stop the cleanup.
    try: os.write(2, b'[accuracy-gate] %d process(es) left running after the command ended: stopped\n' % len(left))
    except OSError: pass
    signal_all(signal.SIGTERM)
    end = time.monotonic() + grace
    while descendants() and time.monotonic() < end:
        reap(); time.sleep(0.05)
    end = time.monotonic() + 5
    while descendants() and time.monotonic() < end:
        signal_all(signal.SIGKILL); reap(); time.sleep(0.02)
end = time.monotonic() + 5
while reap() and time.monotonic() < end: time.sleep(0.02)
st = status[0] if status[0] is not None else 0
if os.WIFSIGNALED(st):
    signal.signal(os.WTERMSIG(st), signal.SIG_DFL); os.kill(me, os.WTERMSIG(st)); time.sleep(1)
sys.exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 1)
`;
