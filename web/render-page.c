/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/render-page TEMPLATES_DIR PAGE CONTEXT.json: renders one page of the web
 * admin with the given context to stdout. For designers and for the template
 * checks (regress/unit/check_template), not installed.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "web/template.h"
#include "web/pages.h"

int
main(int argc, char **argv)
{
	char err[512];
	struct wbuf out;
	json_error_t jerr;

	if (argc != 4) {
		fprintf(stderr, "usage: render-page TEMPLATES_DIR PAGE CONTEXT.json\n");
		return 2;
	}
	int dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	json_t *ctx = json_load_file(argv[3], 0, &jerr);
	struct tmpl_set *ts = tmpl_set_new();
	if (dfd < 0 || ctx == NULL || ts == NULL) {
		fprintf(stderr, "render-page: cannot open %s or read %s\n", argv[1],
		        argv[3]);
		return 1;
	}
	wbuf_init(&out, 0, WEB_PAGE_MAX);
	if (tmpl_set_load(ts, dfd, web_template_names, err, sizeof(err)) != 0 ||
	    tmpl_render(ts, argv[2], ctx, &out, err, sizeof(err)) != 0) {
		fprintf(stderr, "render-page: %s\n", err);
		return 1;
	}
	fwrite(out.p, 1, out.len, stdout);
	wbuf_free(&out);
	json_decref(ctx);
	tmpl_set_free(ts);
	close(dfd);
	return 0;
}
