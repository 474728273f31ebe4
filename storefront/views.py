"""The pages shoppers browse: the listing (search, filters, sorting) and the product page.

They put together the catalogue (store) and what can be sold now (stock), which is why they
live above both rather than in the catalogue app.
"""

from dataclasses import replace

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from project.caching import catalogue_page
from project.htmx import page_or_partial
from stock.selectors import sellable_of, sellable_variants, variants_with_sellable
from store.cache import fragment_key
from store.forms import ProductFilterForm
from store.selectors import catalogue_facets, product_for_page, product_page, variant_choice


@catalogue_page
@require_GET
@vary_on_headers("HX-Request")
def product_list(request, category_slug=None):
    facets = catalogue_facets()
    category = None
    if category_slug is not None:
        category = next((c for c in facets.categories if c.slug == category_slug), None)
        if category is None:
            raise Http404("No such category")
    form = ProductFilterForm(request.GET, facets=facets)
    filters = form.filters()
    if category is not None:
        filters = replace(filters, category=category)
    page_number = request.GET.get("page")
    # Evaluated only if the cached product grid is missing (see the template's cache tag).
    page = SimpleLazyObject(
        lambda: product_page(
            filters=filters, page_number=page_number, sellable_variants=sellable_variants()
        )
    )
    context = {
        "cache_seconds": settings.CATALOGUE_CACHE_SECONDS,
        "results_key": fragment_key("results", filters.cache_key(), str(page_number)[:20]),
        "filters_key": fragment_key(
            "filters", filters.cache_key(), category.pk if category else None
        ),
        "facets": facets,
        "nav_categories": facets.categories,  # the header's menu, without a second query
        "form": form,
        "filters": filters,
        "category": category,
        "page": page,
        "ignored_fields": form.ignored_fields,
        "search_query": filters.q,
    }
    template = page_or_partial(request, "storefront/product_list.html", "product-results")
    return render(request, template, context)


@catalogue_page
@require_GET
@vary_on_headers("HX-Request")
def product_detail(request, slug):
    product = product_for_page(slug=slug, variants=variants_with_sellable())
    if product is None:
        raise Http404("No such product")
    choice = variant_choice(
        product=product,
        color=request.GET.get("color"),
        size=request.GET.get("size"),
        sellable=sellable_of(product.variants.all()),
    )
    context = {
        "product": product,
        "choice": choice,
        "cache_seconds": settings.CATALOGUE_CACHE_SECONDS,
        "product_key": fragment_key("product", product.pk),
    }
    template = page_or_partial(request, "storefront/product_detail.html", "variant-picker")
    return render(request, template, context)
