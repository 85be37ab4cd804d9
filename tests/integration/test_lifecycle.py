"""Process life cycle: clean stop on signals, crash (kill -9) and restart on
the same data dir, port ownership."""
import signal
import subprocess

from conftest import SAGELITE_BIN, clean_env


def test_sigterm_exits_zero_and_logs_stopped(start_daemon):
    """SIGTERM: exit code 0 and 'stopped' in the log."""
    d = start_daemon()
    d.client("s3").list_buckets()
    assert d.stop() == 0
    assert "stopped" in d.stderr_text().splitlines()[-1]


def test_sigint_exits_zero(start_daemon):
    """SIGINT (Ctrl-C) stops the daemon cleanly too."""
    d = start_daemon()
    d.proc.send_signal(signal.SIGINT)
    assert d.proc.wait(timeout=30) == 0
    d.proc.stdout.close()
    d.proc = None
    assert "stopped" in d.stderr_text()


def test_kill9_restart_keeps_state(start_daemon):
    """After kill -9, a restart on the same data dir answers health with the
    same schema version, keeps keys added before the kill, and still
    authenticates both the built-in key and the added one."""
    d = start_daemon()
    before = d.health()
    assert d.keys("add", "AKIDSURVIVOR", "survivor-secret", "135792468013").returncode == 0
    assert d.client("sts", key="AKIDSURVIVOR",
                    secret="survivor-secret").get_caller_identity()["Account"] == "135792468013"

    d.restart(kill9=True)

    after = d.health()
    assert after["status"] == "ok"
    assert after["schema_version"] == before["schema_version"]
    assert after["data_dir"] == before["data_dir"]
    assert "AKIDSURVIVOR" in d.keys("list").stdout
    sts = d.client("sts", key="AKIDSURVIVOR", secret="survivor-secret")
    assert sts.get_caller_identity()["Account"] == "135792468013"
    assert d.client("sts").get_caller_identity()["Account"] == "000000000000"
    assert d.client("s3").list_buckets()["Buckets"] == []


def test_graceful_restart_keeps_keys(start_daemon):
    """A SIGTERM restart on the same data dir keeps added keys."""
    d = start_daemon()
    assert d.keys("add", "AKIDGRACEFUL", "g-secret", "246801357924").returncode == 0
    d.restart()
    assert d.exit_codes == [0]
    sts = d.client("sts", key="AKIDGRACEFUL", secret="g-secret")
    assert sts.get_caller_identity()["Account"] == "246801357924"


def test_account_flag_changes_default_key_account(start_daemon):
    """--account re-seeds the built-in key's account at each start."""
    d = start_daemon("--account", "999988887777")
    assert d.client("sts").get_caller_identity()["Account"] == "999988887777"


def test_second_daemon_cannot_take_a_used_port(start_daemon, tmp_path):
    """A second daemon asked for a port in use fails instead of sharing it."""
    d = start_daemon()
    r = subprocess.run([SAGELITE_BIN, "serve", "--listen", f"127.0.0.1:{d.port}",
                        "--data-dir", str(tmp_path / "other")],
                       capture_output=True, text=True, env=clean_env(), timeout=30)
    assert r.returncode != 0
    assert "listening" not in r.stdout
    assert "cannot listen" in r.stderr
    assert d.health()["data_dir"] == str(d.data_dir)


def test_restart_on_same_port(start_daemon):
    """Right after a clean stop, a new daemon can listen on the same port."""
    d = start_daemon()
    port = d.port
    d.client("s3").list_buckets()  # leave a closed connection behind
    d.stop()
    d2 = start_daemon("--listen", f"127.0.0.1:{port}", listen=False)
    assert d2.port == port
    assert d2.health()["status"] == "ok"
