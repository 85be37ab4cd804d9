"""The sagelite command line: version, help, option sources, env, keys."""
import re

import pytest
from botocore.exceptions import ClientError

from conftest import run_cli

SERVE_FLAGS = ["--listen", "--data-dir", "--log-level", "--auth", "--region", "--account",
               "--threads", "--shutdown-grace", "--config"]


def test_version_matches_health(daemon):
    """`sagelite version` prints the version the daemon reports."""
    r = run_cli("version")
    assert r.returncode == 0
    m = re.fullmatch(r"sagelite (\S+)\n", r.stdout)
    assert m, r.stdout
    assert m.group(1) == daemon.health()["version"]


def test_serve_help_lists_every_flag():
    """`sagelite serve --help` documents each flag and its env variable."""
    r = run_cli("serve", "--help")
    assert r.returncode == 0
    for flag in SERVE_FLAGS:
        assert flag in r.stdout, flag
        env = "SAGELITE_" + flag[2:].upper().replace("-", "_")
        assert env in r.stdout, env


def test_unknown_serve_flag_exits_2():
    """An unknown flag is refused with exit 2 and a message naming it."""
    r = run_cli("serve", "--no-such-flag")
    assert r.returncode == 2
    assert "--no-such-flag" in r.stderr
    assert r.stdout == ""


def test_invalid_flag_value_exits_2():
    """A bad value (--auth bogus) is refused with exit 2 before listening."""
    r = run_cli("serve", "--auth", "bogus", "--listen", "127.0.0.1:0")
    assert r.returncode == 2
    assert "bogus" in r.stderr
    assert "listening" not in r.stdout


def test_unknown_command_exits_2():
    """`sagelite frobnicate` exits 2 with a message."""
    r = run_cli("frobnicate")
    assert r.returncode == 2
    assert "frobnicate" in r.stderr


@pytest.fixture
def region_config(tmp_path):
    cfg = tmp_path / "sagelite.conf"
    cfg.write_text("# test config\nregion = eu-west-3\nauth = strict\n")
    return cfg


def test_config_file_sets_options(start_daemon, region_config):
    """With only a config file (SAGELITE_CONFIG), its settings apply."""
    d = start_daemon(env={"SAGELITE_CONFIG": str(region_config)})
    h = d.health()
    assert h["region"] == "eu-west-3"
    assert h["auth"] == "strict"


def test_env_beats_config_file(start_daemon, region_config):
    """SAGELITE_REGION overrides the config file's region."""
    d = start_daemon(env={"SAGELITE_CONFIG": str(region_config),
                          "SAGELITE_REGION": "ap-south-1"})
    h = d.health()
    assert h["region"] == "ap-south-1"
    assert h["auth"] == "strict"  # still from the file


def test_flag_beats_env_and_config_file(start_daemon, region_config):
    """--region overrides both SAGELITE_REGION and the config file."""
    d = start_daemon("--region", "us-west-2", "--config", str(region_config),
                     env={"SAGELITE_REGION": "ap-south-1"})
    assert d.health()["region"] == "us-west-2"


def test_listen_and_data_dir_from_env(start_daemon, tmp_path):
    """SAGELITE_LISTEN and SAGELITE_DATA_DIR work without the flags."""
    data = tmp_path / "from-env"
    d = start_daemon(listen=False, data_dir_flag=False,
                     env={"SAGELITE_LISTEN": "127.0.0.1:0", "SAGELITE_DATA_DIR": str(data)})
    assert d.health()["data_dir"] == str(data)
    assert (data / "sagelite.db").exists()


def test_env_command_prints_client_exports(tmp_path):
    """`sagelite env` prints the AWS_* exports a client needs, shell-quoted."""
    r = run_cli("env", "--listen", "127.0.0.1:4999", "--region", "eu-central-1",
                "--data-dir", tmp_path)
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert "export AWS_ENDPOINT_URL='http://127.0.0.1:4999'" in lines
    assert "export AWS_ACCESS_KEY_ID='test'" in lines
    assert "export AWS_SECRET_ACCESS_KEY='test'" in lines
    assert "export AWS_DEFAULT_REGION='eu-central-1'" in lines
    assert all(line.startswith("export ") for line in lines)


def test_keys_add_list_remove_round_trip(start_daemon):
    """keys add shows up in keys list; keys remove takes it out."""
    d = start_daemon()
    r = d.keys("add", "AKIDROUNDTRIP", "s3cr3t", "210987654321", "roundtrip-user")
    assert r.returncode == 0, r.stderr
    listed = d.keys("list")
    assert listed.returncode == 0
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert ["AKIDROUNDTRIP", "210987654321", "roundtrip-user"] in rows
    assert ["test", "000000000000", "sagelite"] in rows
    r = d.keys("remove", "AKIDROUNDTRIP")
    assert r.returncode == 0, r.stderr
    assert "AKIDROUNDTRIP" not in d.keys("list").stdout


def test_keys_remove_unknown_fails(tmp_path):
    """Removing a key that is not there exits non-zero with a message."""
    r = run_cli("keys", "remove", "AKIDNOSUCHKEY", "--data-dir", tmp_path / "d")
    assert r.returncode != 0
    assert "AKIDNOSUCHKEY" in r.stderr


def test_keys_add_rejects_bad_account(tmp_path):
    """An account id that is not 12 digits is refused."""
    r = run_cli("keys", "add", "AKIDBAD", "secret", "123", "--data-dir", tmp_path / "d")
    assert r.returncode != 0
    assert "12 digits" in r.stderr


def test_key_added_while_running_authenticates(daemon):
    """A key added with the daemon running signs requests for its own
    account (keys are read from the store per request)."""
    r = daemon.keys("add", "AKIDLIVEADD", "live-secret", "111122223333")
    assert r.returncode == 0, r.stderr
    ident = daemon.client("sts", key="AKIDLIVEADD", secret="live-secret").get_caller_identity()
    assert ident["Account"] == "111122223333"
    assert ident["Arn"].startswith("arn:aws:sts::111122223333:")


def test_known_key_wrong_secret_refused_in_lenient_mode(daemon):
    """Lenient mode still checks the signature of a key it knows."""
    assert daemon.keys("add", "AKIDLENIENT", "right-secret", "444455556666").returncode == 0
    with pytest.raises(ClientError) as e:
        daemon.client("sts", key="AKIDLENIENT", secret="wrong-secret").get_caller_identity()
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_removed_key_is_refused_in_strict_mode(start_daemon):
    """In strict mode a key works while it exists and is refused once removed."""
    d = start_daemon("--auth", "strict")
    assert d.keys("add", "AKIDSTRICTRM", "rm-secret", "777788889999").returncode == 0
    sts = d.client("sts", key="AKIDSTRICTRM", secret="rm-secret")
    assert sts.get_caller_identity()["Account"] == "777788889999"
    assert d.keys("remove", "AKIDSTRICTRM").returncode == 0
    with pytest.raises(ClientError) as e:
        sts.get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
