/* SPDX-License-Identifier: BSD-2-Clause */
/* The web admin's page set: the templates every templates_path must hold. */
#ifndef SFTPGO_WEB_PAGES_H
#define SFTPGO_WEB_PAGES_H

#define WEB_PAGE_MAX (8u << 20) /* a rendered page, the users list included */

/* header and footer are the layout's partials; the others are pages. */
extern const char *const web_template_names[];

#endif
