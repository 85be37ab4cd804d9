#!/usr/bin/env bash
# install-deps.sh — install what sagelite needs to build, run and be tested
# on Debian 12: apt packages (as root, or through sudo) and a Python venv
# (.venv) holding the test clients (boto3, the aws CLI, pytest).
# Idempotent and quiet when everything is already there.
#   scripts/install-deps.sh            build + run dependencies
#   scripts/install-deps.sh --test     also the test clients
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

APT_BUILD="build-essential autoconf automake libtool autoconf-archive pkg-config
  libmicrohttpd-dev libsqlite3-dev libcjson-dev libarchive-dev libssl-dev
  libexpat1-dev libxgboost-dev bubblewrap python3 python3-venv curl ca-certificates
  python3-numpy python3-pandas python3-sklearn python3-joblib python3-torch python3-xgboost"
APT_TEST="libcmocka-dev procps rclone s3cmd python3-pytest"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root or sudo for apt-get" >&2; exit 1; }
	sudo_cmd=(sudo)
fi

pkgs=$APT_BUILD
[ $want_test = 1 ] && pkgs="$pkgs $APT_TEST"
missing=()
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: apt-get install ${missing[*]}"
	"${sudo_cmd[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ $want_test = 1 ]; then
	# The system interpreter, not a pyenv/conda one on PATH: jobs will use
	# Debian's python3-torch and friends from the same interpreter.
	py=/usr/bin/python3
	venv() { # dir requirements-file
		local dir=$1 reqs=$2 stamp=$1/.sagelite-reqs
		[ -x "$dir/bin/python" ] || { echo "install-deps: creating $dir"; "$py" -m venv "$dir"; }
		if ! cmp -s "$reqs" "$stamp" 2>/dev/null; then
			echo "install-deps: pip install -r $reqs into $dir"
			"$dir/bin/pip" install -q --disable-pip-version-check -r "$reqs"
			cp "$reqs" "$stamp"
		fi
	}
	venv .venv tests/requirements.txt
	# The SageMaker SDK versions the course uses, each in its own venv.
	for v in 1 2 3; do
		venv .venv-sdk$v tests/sdk/requirements-v$v.txt
	done
fi
