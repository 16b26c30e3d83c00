from tests.ui.conftest import wait_idle


def test_main_window_opens_on_every_view(qtbot, window):
    tab = window.ledger_tab
    for index in range(len(tab.views)):
        view = tab.show_view(index)
        wait_idle(qtbot, view)
    assert "Test Company Ltd" in window.company_label.text()
