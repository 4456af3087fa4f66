"""Waiting for htmx in browser tests."""


def settled(page) -> None:
    """Wait until htmx has finished its requests, swaps and settles: htmx binds new content
    when it settles (20 ms after the swap), so a change made before that is dropped."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
