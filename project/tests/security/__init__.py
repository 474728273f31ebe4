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

Second round (issue 12): what an outside attacker still got through, one module per threat.

7. Stock hoarding (test_stock_hoarding.py)
   - six fresh carts from one address: test_six_fresh_carts_from_one_address_leave_stock_for_
     the_next_shopper, and concurrently on PostgreSQL: test_six_simultaneous_fresh_carts_hold_
     no_more_than_the_limit
   - one cart of the whole drop, one e-mail from many addresses, the address behind proxies:
     test_one_cart_of_the_whole_drop_is_refused, test_one_e_mail_from_many_addresses_is_one_
     client, test_behind_the_proxies_the_forwarded_address_is_the_client
   - IPv6 clients by their /64: test_ipv6_clients_are_counted_by_their_64_network
   - the rate limit on checkouts: test_an_address_may_start_only_so_many_checkouts_an_hour
   - genuine shoppers never blocked: test_a_genuine_shopper_retrying_their_own_checkout_is_
     never_refused, test_one_account_from_many_devices_is_one_client,
     test_a_double_click_is_not_another_hold_and_not_counted, and a payment under way is never
     cancelled by a retry: test_a_retry_never_cancels_a_checkout_whose_payment_is_under_way;
     the refusal shown to htmx: test_the_refusal_is_shown_in_place_to_htmx; the numbers
     themselves: orders/tests/test_hold_limits.py
8. Search-cache poisoning (test_cache_poisoning.py)
   - the Kelvin sign and other confusables (full-width, mathematical letters, invisible
     characters, odd blanks, case): test_the_kelvin_sign_attack_of_the_report,
     test_a_look_alike_search_cannot_poison_another_searchs_cache; one value for key, search
     and display: test_key_search_and_display_share_one_value,
     test_the_search_box_shows_the_value_that_was_searched
9. Claiming another account's e-mail (test_account_emails.py)
   - adding it, in any spelling: test_another_accounts_email_can_never_be_claimed
   - only verified addresses become primary: test_only_a_verified_address_can_become_primary,
     test_an_address_of_another_account_left_from_before_cannot_become_primary
   - and no squatting with unverified copies:
     test_an_unverified_address_of_another_account_squats_nothing
10. Double submits (test_double_submits.py, PostgreSQL, real concurrent connections)
   - sign-up, add e-mail, make primary, address create/edit/default/delete, profile, password:
     one test per form, each fired at once; none may answer 500
11. E-mailed links and the store's name (test_email_links.py)
   - a Host header with another port: test_every_emailed_link_starts_with_site_url_whatever_
     the_host_header (password reset, sign-up, confirmation, the order e-mail)
   - "example.com": test_account_emails_name_the_store_and_its_address_not_example_com,
     test_every_migrate_writes_the_store_into_the_sites_record
12. Personal pages kept by caches (test_private_pages.py)
   - every URL from the resolver, as an account and as a guest, plain and htmx:
     test_no_personal_page_may_be_stored_by_any_cache (a new URL is private unless listed as a
     catalogue page, and even those are personal for a signed-in shopper); the reported pages
     answer 200 to their owner: test_the_pages_of_the_report_answer_200_and_are_not_stored;
     the page after login: test_the_page_after_logging_in_is_not_stored
"""
