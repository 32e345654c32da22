// cairo (PDF surfaces) + pango (text layout, font fallback, Indic shaping) for invoice PDFs.
#include <cairo/cairo.h>
#include <cairo/cairo-pdf.h>
#include <pango/pangocairo.h>
