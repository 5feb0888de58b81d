from rest_framework.test import APIClient


def test_login_returns_a_token_that_authenticates_and_logout_revokes_it(demo):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/login", {"username": "caseworker", "password": "lexflow-demo"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "caseworker" and body["user"]["roles"] == ["caseworker"]
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    me = token_client.get("/api/v1/auth/me").json()
    assert me["memberships"][0]["organisation"]["code"] == "LN-SY-HP"
    assert token_client.post("/api/v1/auth/logout").status_code == 204
    assert token_client.get("/api/v1/auth/me").status_code == 401


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(demo):
    response = APIClient().post(
        "/api/v1/auth/login", {"username": "caseworker", "password": "x"}, format="json"
    )
    assert response.status_code in (401, 403)
    assert "Wrong username or password" in response.json()["detail"]


def test_login_without_fields_names_them(demo):
    response = APIClient().post("/api/v1/auth/login", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


def test_browser_session_login_requires_csrf_for_writes(demo):
    client = APIClient(enforce_csrf_checks=True)
    assert (
        client.post(
            "/api/v1/auth/login", {"username": "designer", "password": "lexflow-demo"}, format="json"
        ).status_code
        == 200
    )
    # logged in by session cookie now: a write without the CSRF token is refused
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 403
    client.credentials(HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert client.post("/api/v1/auth/logout").status_code == 204


def test_demo_seed_is_safe_to_run_twice(demo):
    from django.contrib.auth import get_user_model

    from server.accounts.demo import DEMO_ORGANISATIONS, DEMO_USERS, seed_demo
    from server.accounts.models import Membership, Organisation

    seed_demo()
    assert Organisation.objects.count() == len(DEMO_ORGANISATIONS)
    assert get_user_model().objects.count() == len(DEMO_USERS)
    assert Membership.objects.count() == len(DEMO_USERS)
    supervisor = Membership.objects.get(user__username="supervisor")
    assert supervisor.organisation.level == "city"
    township = Organisation.objects.get(level="township")
    assert township.path.startswith(Organisation.objects.get(code="LN-SY-HP").path)


def test_moving_an_organisation_moves_the_scope_of_everything_below_it(demo):
    from server.accounts.models import Organisation

    county = Organisation.objects.get(code="LN-SY-SH")
    township = Organisation.objects.get(code="LN-SY-HP-NH")
    township.parent = county
    township.save()
    assert Organisation.objects.get(code="LN-SY-HP-NH").path == f"{county.path}{township.pk}/"
    city = Organisation.objects.get(code="LN-SY")
    city.parent = None
    city.save()
    for org in Organisation.objects.filter(code__startswith="LN-SY"):
        assert org.path.startswith(f"/{city.pk}/"), org.code


def test_an_organisation_cannot_be_moved_below_itself(demo):
    import pytest

    from server.accounts.models import Organisation

    city = Organisation.objects.get(code="LN-SY")
    city.parent = Organisation.objects.get(code="LN-SY-HP")
    with pytest.raises(ValueError):
        city.save()


def test_organisations_are_listed_in_tree_order_for_choosing_where_to_apply(client_for):
    organisations = client_for("applicant").get("/api/v1/organisations").json()
    assert [org["level"] for org in organisations] == ["province", "city", "county", "township", "county"]
    assert organisations[0]["parent"] is None and organisations[1]["parent"] == organisations[0]["id"]


def log_in(password: str, *, username: str = "caseworker", address: str = "10.0.0.7"):
    credentials = {"username": username, "password": password}
    return APIClient(REMOTE_ADDR=address).post("/api/v1/auth/login", credentials, format="json")


def wrong(response) -> bool:
    """Refused as a wrong password (not yet as locked out)."""
    return response.status_code in (401, 403) and "Wrong username or password" in response.json()["detail"]


def test_password_guessing_locks_the_account_at_that_address_and_says_how_long(demo):
    for _ in range(4):
        assert wrong(log_in("guess"))
    fifth = log_in("guess")
    assert fifth.status_code == 429
    assert fifth["Content-Type"] == "application/problem+json"
    assert fifth.json()["detail"].startswith(
        "登录失败次数过多，该账号在此网络地址已暂时锁定，请 15 分钟后再试。 / Too many"
    )
    assert fifth["Retry-After"] == "900"
    # Locked: even the right password waits, so guessing on is pointless.
    assert log_in("lexflow-demo").status_code == 429
    # Colleagues behind the same office address, and the same person elsewhere, are not held up.
    assert log_in("lexflow-demo", username="reviewer").status_code == 200
    assert log_in("lexflow-demo", address="10.0.0.8").status_code == 200


def test_a_successful_login_clears_the_count_of_failures(demo):
    for _ in range(4):
        assert wrong(log_in("guess"))
    assert log_in("lexflow-demo").status_code == 200
    for _ in range(4):
        assert wrong(log_in("guess"))
    assert log_in("lexflow-demo").status_code == 200


def test_the_admin_login_form_is_guarded_too(demo):
    from django.test import Client

    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "guess"})
    locked = client.post("/admin/login/", {"username": "admin", "password": "lexflow-demo"})
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
