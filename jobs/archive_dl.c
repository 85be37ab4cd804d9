/* archive_dl.c — load libarchive on first use.  See archive_dl.h. */
#define SL_ARCHIVE_DL_IMPL
#include "archive_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

#include "server/log.h"

#define SL_ARCHIVE_SONAME "libarchive.so.13"

struct sl_archive_api sl_archive;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *h = dlopen(SL_ARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		sl_err("cannot load %s (install libarchive13): %s", SL_ARCHIVE_SONAME, dlerror());
		abort();
	}
#define SL_ARCHIVE_LOAD(f)                                                          \
	*(void **)&sl_archive.f = dlsym(h, #f);                                     \
	if (!sl_archive.f) {                                                        \
		sl_err("%s has no %s", SL_ARCHIVE_SONAME, #f);                          \
		abort();                                                            \
	}
	SL_ARCHIVE_FUNCS(SL_ARCHIVE_LOAD)
#undef SL_ARCHIVE_LOAD
}

void sl_archive_api_load(void)
{
	pthread_once(&once, load);
}
