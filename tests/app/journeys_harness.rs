//! The browser harness checks itself: a deliberately broken page must fail the console check, or every
//! "no errors" in the journeys would prove nothing.

use crate::browser::Chrome;
use crate::helpers::TestApp;

#[actix_web::test]
async fn a_broken_page_fails_the_console_check() {
    let app = TestApp::spawn().await;
    let Some(chrome) = Chrome::open(&app).await else { return };
    chrome.goto("/login").await;
    assert!(chrome.console_errors().await.is_empty(), "the login page is clean");

    // Break the page the ways a real bug would: a script that throws, a file that is not there, an htmx call
    // that answers 404.
    chrome
        .js(
            "document.addEventListener('htmx:beforeSend', () => {
               window.busyWhileSending = document.documentElement.classList.contains('is-busy'); });
             setTimeout(() => { null.boom(); }, 0);
             const s = document.createElement('script'); s.src = '/static/no-such-file.js'; document.head.appendChild(s);
             htmx.ajax('GET', '/no-such-page', {target: '#flash', swap: 'innerHTML'});",
            vec![],
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let errors = chrome.console_errors().await.join("\n");
    assert!(errors.contains("boom"), "the JavaScript error is caught: {errors}");
    assert!(errors.contains("no-such-file.js"), "the missing file is caught: {errors}");
    assert!(errors.contains("no-such-page"), "the failed htmx request is caught: {errors}");
    // The busy bar was on while the request was under way, and is off again after its failure.
    assert_eq!(chrome.js("return window.busyWhileSending", vec![]).await, true, "busy while sending");
    chrome.settle().await;
    chrome.close().await;
}
