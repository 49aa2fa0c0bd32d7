from tests.conftest import login


def test_planner_logs_in_and_reaches_home(client, planner):
    response = login(client, planner.email)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_in_french(client, planner):
    response = login(client, planner.email, "mauvais-mot-de-passe1")
    assert response.status_code == 401
    assert "mot de passe incorrect" in response.get_data(as_text=True)
