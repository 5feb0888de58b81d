"""Django serves the web app from the same origin as the API."""

import pytest


@pytest.fixture
def built_app(settings, tmp_path):
    (tmp_path / "index.html").write_text('<!doctype html><div id="root"></div><script src="/assets/x.js">')
    settings.FRONTEND_DIST = tmp_path
    return tmp_path


def test_the_front_door_and_any_deep_link_answer_with_the_app(client, built_app):
    for path in ("/", "/portal/cases/12", "/workbench?filter=overdue"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b'<div id="root">' in response.content
        assert "no-cache" in response["Cache-Control"]  # a new build is picked up at once


def test_the_app_page_sets_the_csrf_cookie_the_app_sends_back(client, built_app):
    response = client.get("/portal")
    assert "csrftoken" in response.cookies


def test_api_paths_are_never_swallowed_by_the_app(client, built_app):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/")
    assert b"<div" not in response.content


def test_an_unbuilt_app_says_how_to_build_it(client, settings, tmp_path):
    settings.FRONTEND_DIST = tmp_path / "missing"
    response = client.get("/")
    assert response.status_code == 503
    assert b"make run" in response.content
