/* main.c — `sagelite-xgboost train|serve`: the built-in XGBoost image's
 * two entry points (the platform runs `<image> train` and `<image> serve`,
 * container-contracts.md §1.1, §2.1).  See xgb.h. */
#include <stdio.h>
#include <string.h>

#include "xgb.h"

int main(int argc, char **argv)
{
	/* The job's log is a pipe: one line at a time, as the container's
	 * Python logging flushes. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "train") == 0)
		return xgb_train_main();
	if (argc == 2 && strcmp(argv[1], "serve") == 0)
		return xgb_serve_main();
	fprintf(stderr,
		"usage: %s train|serve\n"
		"  train  run the built-in XGBoost algorithm under SageMaker's training contract\n"
		"         (SM_* environment, SAGEMAKER_BASE_DIR or /opt/ml)\n"
		"  serve  answer /ping and /invocations on SAGEMAKER_BIND_TO_PORT (default 8080)\n"
		"         with the model in SM_MODEL_DIR or <SAGEMAKER_BASE_DIR>/model\n",
		argc > 0 ? argv[0] : "sagelite-xgboost");
	return 2;
}
