#!/bin/sh
# echo_trainer.sh — a user-mapped "container" for tests: sagelite runs it as
# `echo_trainer.sh train` for images mapped to it (--runtime-map), the way
# SageMaker runs `docker run IMAGE train`.  It reads the job's config
# files, lists the train channel, writes into the model directory and
# exits 0 — enough to show that the contract (argv, /opt/ml or
# SAGEMAKER_BASE_DIR, SM_MODEL_DIR, TRAINING_JOB_NAME, channels) holds for
# a program that is not Python.
set -eu
if [ "${1:-}" != train ]; then
	echo "echo-trainer: expected the argument 'train', got '$*'" >&2
	exit 2
fi
base=${SAGEMAKER_BASE_DIR:-/opt/ml}
model_dir=${SM_MODEL_DIR:-$base/model}
config=$base/input/config
echo "echo-trainer: job ${TRAINING_JOB_NAME:-unknown} starting"
echo "echo-trainer: hyperparameters $(cat "$config/hyperparameters.json")"
printf 'hello from %s\n' "${TRAINING_JOB_NAME:-unknown}" >"$model_dir/echo.txt"
cp "$config/hyperparameters.json" "$config/resourceconfig.json" "$model_dir/"
ls "$base/input/data/train" >"$model_dir/train-files.txt"
echo "echo-trainer: done"
