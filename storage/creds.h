/* creds.h — access keys and the accounts they belong to (the credentials
 * table).  Used by server/auth.c to verify signatures and by `sagelite keys`. */
#ifndef SL_CREDS_H
#define SL_CREDS_H

#include <stddef.h>

struct cred {
	char access_key[129];
	char secret_key[129];
	char account_id[13];
	char canonical_id[65];
	char display_name[65];
};

/* Look up a key.  Returns 1 and fills *out when found, 0 when unknown,
 * -1 on a database error. */
int creds_lookup(const char *access_key, struct cred *out);

/* Insert or replace a key.  The canonical id is derived from the account
 * (SHA-256 of it, hex) when c->canonical_id is empty; display name defaults
 * to the access key.  Returns 0 or -1 (invalid field or database error). */
int creds_put(struct cred *c);

/* Remove a key.  Returns 1 removed, 0 not there, -1 error. */
int creds_remove(const char *access_key);

/* Call fn for each key in access-key order.  Returns the count or -1. */
int creds_each(void (*fn)(const struct cred *, void *), void *arg);

/* The canonical user id S3 reports for an account (64 hex characters). */
void creds_canonical_id(const char *account_id, char out[65]);

/* The account an unknown key maps to in lenient mode: the key itself when it
 * is 12 digits, else 12 digits derived from its SHA-256. */
void creds_account_for_unknown(const char *access_key, char out[13]);

#endif
