"""The store's security tests: one attack per test, each asserting that the attack fails and
that nothing changed (helpers.db_state: every row of the store's tables and the e-mails sent,
compared before and after).

threat -> test ("existing" = already covered by the app's own tests, referenced not repeated)

1. Access control (test_access_control.py)
   - every URL with an id or token in its path, for cart lines, addresses, orders, invoices,
     store-credit receipts and signed order links, built from the resolver:
     test_another_shoppers_object_is_out_of_reach, test_every_url_with_a_path_parameter_is_in_the_table
   - list pages show only one's own: test_list_pages_show_only_ones_own_things
   - public catalogue and media: TestPublicRoutes
   - ids in POST bodies (address, store-credit token, payment id): existing, listed in the module
   - staff-only pages: test_admin_pages_refuse_shoppers_and_visitors,
     test_the_admin_login_form_signs_nobody_in, test_shoppers_admin_posts_change_nothing
2. Price and amount tampering (test_tampering.py) and webhooks (test_webhooks.py)
   - extra price/total/status/paid fields on cart add, cart lines, confirm, store-credit pay,
     address, profile and signup forms: test_tampering.py (existing ones listed there)
   - forged finalize (made-up payment id, status=approved, another order's payment id):
     existing in payments/tests/test_purchase.py TestForgeries, plus
     test_finalize_with_another_orders_payment_id_pays_nothing_of_ones_own
   - webhooks with a forged, missing or stale signature: existing (test_purchase.py
     TestWebhookSecurity, test_signatures.py) plus test_refused_notifications_write_nothing
   - a replayed notification: test_a_replayed_notification_is_applied_once (and existing
     test_duplicate_and_out_of_order_webhooks_apply_once)
   - a forged body under a real signature: test_a_forged_body_under_a_real_signature_pays_nothing
3. CSRF (test_csrf.py)
   - every URL refuses a POST without a token, plain and htmx:
     test_every_url_refuses_a_post_without_a_token, test_every_admin_url_refuses_a_post_without_a_token
   - only the signed webhook is exempt: test_only_mercado_pagos_webhook_is_csrf_exempt
   - a token of another browser: test_a_token_from_another_browser_is_refused
   - every template form's target is tested with its token:
     test_every_form_in_the_templates_posts_to_an_endpoint_tested_with_its_token,
     test_the_token_makes_every_form_work
   - htmx gets the token (hx-headers on <body>) and swapped fragments carry working tokens:
     test_every_page_with_an_htmx_form_gives_htmx_the_token, test_an_htmx_fragment_carries_tokens_that_work
4. Open redirects (test_redirects.py)
   - next on login, logout, signup, password change, admin login/logout: TestAccountRedirects
   - next/redirect_to/Referer on the store's own views: test_the_stores_own_redirects_ignore_next_and_referer,
     test_the_buyer_return_redirects_only_to_the_order,
     test_confirm_sends_the_buyer_only_to_mercado_pagos_own_link
5. Login throttling and account enumeration (test_accounts.py)
   - throttling: existing accounts/tests/test_views.py TestAllauth::test_login_is_throttled_after_
     repeated_failures, plus test_the_login_limit_is_per_account_whatever_the_browser_address_or_spelling,
     test_the_limit_lives_in_the_shared_cache, test_rate_limits_are_switched_on,
     test_the_admin_login_is_not_a_way_around_the_limit (a gap this suite found and fixed)
   - enumeration: test_login_errors_do_not_tell_whether_the_account_exists,
     test_password_reset_answers_the_same_for_known_and_unknown_addresses, TestSignupWithATakenAddress
6. HTML injection and uploads (test_injection.py)
   - catalogue text, shopper text, guest details, search terms and `next`, on every page and in
     the e-mail: test_catalogue_text_is_escaped_on_every_page_that_shows_it,
     test_shopper_text_is_escaped_on_every_page_and_in_the_email,
     test_a_guests_details_are_escaped_when_echoed_and_on_the_order,
     test_the_next_parameter_is_escaped_on_the_login_page
   - reviews and order notes: not features of the store (noted in the module)
   - uploaded pictures: test_the_admin_refuses_files_that_are_not_sound_pictures,
     test_the_admin_accepts_sound_pictures
"""
