/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mDNS advertisement of portable mode through the Avahi daemon (libavahi-client):
 * SFTPGo's service, "SFTPGo portable <port>" of type _sftp-ssh._tcp in local., with
 * the TXT records version=..., and with credentials user=... and password=....
 */
#ifndef SFTPGO_CLI_MDNS_H
#define SFTPGO_CLI_MDNS_H

struct mdns;

/*
 * Starts advertising (Avahi's own thread; the caller's signals stay blocked in it).
 * user and password may be NULL (no credential records). NULL with the reason in
 * err when there is no Avahi daemon or it refused the service: the caller warns
 * and serves anyway.
 */
struct mdns *mdns_advertise(int port, const char *version, const char *user,
                            const char *password, char *err, size_t errlen);
/* Withdraws the service and frees everything. NULL is accepted. */
void mdns_stop(struct mdns *m);

#endif
