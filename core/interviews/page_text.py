"""The candidate page's words in every language it speaks, and the choice of language for one visit.

Owns only the page's own strings (buttons, headings, help and problem messages). The notice, the questions and
the server's error messages come from the API in the interview's language; nothing here is personal data.
Placeholders in braces (``{n}``) are filled in by the page's script.
"""

from __future__ import annotations

from collections.abc import Iterable

LANGUAGES = ("en", "zh-CN")
DEFAULT = "en"

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "page_title": "Your interview",
        "language_switch": "中文",
        "noscript": "This interview needs JavaScript. Turn it on, or ask the employer for an alternative process.",
        "loading": "Loading your interview…",
        "problem_title": "We cannot open your interview",
        "no_token": "Open the interview from the link in your invitation.",
        "network_error": "We cannot reach the server. Check your connection; we will try again.",
        "error_generic": "Something went wrong on our side. Try again in a moment.",
        "retry": "Try again",
        "notice_title": "Before you start",
        "notice_intro": "Please read how this interview works, what the automated analysis does and your rights.",
        "notice_continue": "I have read this, continue",
        "consent_title": "Your choices",
        "consent_intro": ("Tick what you agree to. Nothing is ticked for you. You can withdraw any consent later "
                          "from the link in your invitation."),
        "consent_separate": "asked separately",
        "consent_alternative": ("I decline AI evaluation and request an alternative process or an accommodation "
                                "(a person reviews my answers without automated scoring)"),
        "consent_alternative_help": ("You still record your answers, for a person to review. To add a note about "
                                     "an accommodation, write to {contact}."),
        "consent_submit": "Save my choices and continue",
        "consent_decline_all": "I do not want to take part",
        "consent_saving": "Saving your choices…",
        "declined_title": "You chose not to take part",
        "declined_text": ("Without your consent to process your application we cannot continue this interview. "
                          "Nothing was recorded. If you change your mind or need another way to apply, contact "
                          "{contact}."),
        "device_title": "Check your camera and microphone",
        "device_intro": ("We ask your browser for the camera and the microphone. Speak for a moment: the bar "
                         "moves when we hear you."),
        "device_start": "Start the check",
        "device_preview": "Your camera",
        "device_level": "Microphone level",
        "device_heard": "We hear you.",
        "device_silent": "We do not hear anything yet. Speak, or check that the right microphone is selected.",
        "device_continue": "Everything works, continue",
        "device_unsupported": ("This browser cannot record the interview (it lacks {missing}). Use a recent "
                               "Chrome, Edge, Firefox or Safari, or ask the employer for an alternative process."),
        "device_insecure": "The camera only works on a secure (https) address. Open the link from your invitation.",
        "device_denied": ("You did not allow the camera or the microphone. Allow them in your browser's site "
                          "settings (the icon left of the address), then try again."),
        "device_missing": "We found no camera or microphone. Connect one, then try again.",
        "device_busy": "Another application is using the camera or microphone. Close it, then try again.",
        "device_failed": "The camera or microphone did not start. Try again, or try another browser.",
        "practice_title": "Practice question (not scored)",
        "practice_text": ("Tell us what you had for breakfast today. This answer stays on your device and is "
                          "never sent."),
        "practice_record": "Record a practice answer",
        "practice_again": "Practise again",
        "practice_playback": "Your practice answer",
        "practice_skip": "Skip practice",
        "practice_done": "Start the interview",
        "question_counter": "Question {n} of {total}",
        "question_follow_up": "Follow-up question",
        "think_label": "Time to think",
        "think_help": "Recording starts when this time runs out, or when you are ready.",
        "answer_now": "Start answering now",
        "answer_label": "Time left to answer",
        "recording": "Recording",
        "stop": "Stop, I have finished",
        "upload_title": "Sending your answer",
        "upload_progress": "Upload progress",
        "upload_resume": "Finishing the upload of an answer you recorded before.",
        "upload_offline": "You are offline. Your answer is kept on this device and is sent when you are back online.",
        "upload_retrying": "The connection dropped. Your answer is kept on this device; trying again in {s} s.",
        "upload_done": "Your answer was received.",
        "upload_rejected": "{message}",
        "record_again": "Record again ({n} left)",
        "record_again_rejected": "Record this answer again",
        "next": "Continue",
        "waiting_title": "Preparing your next question",
        "waiting_text": "This takes a few seconds.",
        "complete_title": "Finishing",
        "complete_sending": "Submitting your interview…",
        "done_title": "Thank you, your interview is complete",
        "done_next": ("What happens next: your answers are analysed and a named person at the employer reviews "
                      "them and decides. The AI only recommends; it never decides."),
        "done_rights": ("Your rights: you may see, correct, export or erase your data, ask for an explanation, "
                        "contest a decision and ask for a person to review it."),
        "done_contact": "Contact: {contact}",
        "done_withdraw": "Withdraw your consent or make a request",
        "done_alternative": "You asked for an alternative process: a person reviews your answers without AI scoring.",
        "seconds": "{s} s",
    },
    "zh-CN": {
        "page_title": "您的面试",
        "language_switch": "English",
        "noscript": "本面试需要启用 JavaScript。请启用，或向招聘单位申请替代流程。",
        "loading": "正在加载您的面试……",
        "problem_title": "无法打开您的面试",
        "no_token": "请通过邀请中的链接打开面试。",
        "network_error": "无法连接服务器。请检查网络连接，我们会自动重试。",
        "error_generic": "系统出现问题，请稍后再试。",
        "retry": "重试",
        "notice_title": "开始之前",
        "notice_intro": "请阅读本次面试的流程、自动分析的内容以及您的权利。",
        "notice_continue": "我已阅读，继续",
        "consent_title": "您的选择",
        "consent_intro": "请勾选您同意的事项。我们不会替您预先勾选。您之后可以通过邀请中的链接撤回任何同意。",
        "consent_separate": "单独同意",
        "consent_alternative": "我拒绝人工智能评估，申请替代流程或合理便利（由人工审阅我的回答，不进行自动评分）",
        "consent_alternative_help": "您仍需录制回答，供人工审阅。如需说明合理便利的需求，请联系 {contact}。",
        "consent_submit": "保存我的选择并继续",
        "consent_decline_all": "我不参加本次面试",
        "consent_saving": "正在保存您的选择……",
        "declined_title": "您选择了不参加",
        "declined_text": ("未经您同意处理您的申请，我们无法继续本次面试。我们没有录制任何内容。"
                          "如您改变主意或需要其他申请方式，请联系 {contact}。"),
        "device_title": "检查摄像头和麦克风",
        "device_intro": "我们将请求使用您的摄像头和麦克风。请说几句话：听到声音时，音量条会移动。",
        "device_start": "开始检查",
        "device_preview": "您的摄像头画面",
        "device_level": "麦克风音量",
        "device_heard": "我们听到您的声音了。",
        "device_silent": "还没有听到声音。请说话，或检查是否选择了正确的麦克风。",
        "device_continue": "一切正常，继续",
        "device_unsupported": ("此浏览器无法录制面试（缺少 {missing}）。"
                               "请使用较新版本的 Chrome、Edge、Firefox 或 Safari，或向招聘单位申请替代流程。"),
        "device_insecure": "摄像头只能在安全（https）地址下使用。请通过邀请中的链接打开。",
        "device_denied": "您没有允许使用摄像头或麦克风。请在浏览器的网站设置中（地址栏左侧的图标）允许后重试。",
        "device_missing": "未找到摄像头或麦克风。请连接后重试。",
        "device_busy": "其他应用正在使用摄像头或麦克风。请关闭后重试。",
        "device_failed": "摄像头或麦克风未能启动。请重试，或换一个浏览器。",
        "practice_title": "练习题（不计分）",
        "practice_text": "请说说您今天早餐吃了什么。此回答只保存在您的设备上，不会发送。",
        "practice_record": "录制练习回答",
        "practice_again": "再练习一次",
        "practice_playback": "您的练习回答",
        "practice_skip": "跳过练习",
        "practice_done": "开始面试",
        "question_counter": "第 {n} 题，共 {total} 题",
        "question_follow_up": "追问",
        "think_label": "思考时间",
        "think_help": "思考时间结束或您准备好后开始录制。",
        "answer_now": "现在开始回答",
        "answer_label": "剩余回答时间",
        "recording": "正在录制",
        "stop": "停止，我已答完",
        "upload_title": "正在发送您的回答",
        "upload_progress": "上传进度",
        "upload_resume": "正在继续上传您之前录制的回答。",
        "upload_offline": "您已离线。您的回答保存在本设备上，恢复联网后会自动发送。",
        "upload_retrying": "连接中断。您的回答保存在本设备上，{s} 秒后重试。",
        "upload_done": "我们已收到您的回答。",
        "upload_rejected": "{message}",
        "record_again": "重新录制（剩余 {n} 次）",
        "record_again_rejected": "重新录制此回答",
        "next": "继续",
        "waiting_title": "正在准备下一个问题",
        "waiting_text": "请稍候几秒。",
        "complete_title": "正在完成",
        "complete_sending": "正在提交您的面试……",
        "done_title": "谢谢，您的面试已完成",
        "done_next": ("接下来：系统会分析您的回答，招聘单位的具名工作人员将审阅并作出决定。"
                      "人工智能仅提供建议，不作决定。"),
        "done_rights": "您的权利：您可以查阅、更正、导出或删除您的个人信息，要求解释，对决定提出异议并要求人工复核。",
        "done_contact": "联系方式：{contact}",
        "done_withdraw": "撤回同意或提出请求",
        "done_alternative": "您申请了替代流程：将由人工审阅您的回答，不进行人工智能评分。",
        "seconds": "{s} 秒",
    },
}


def normalise(language: str | None) -> str | None:
    """``zh``, ``zh-cn``, ``zh-Hans-CN`` become ``zh-CN``, ``en-GB`` becomes ``en``; anything else None."""
    if not language:
        return None
    primary = language.strip().lower().replace("_", "-").split("-")[0]
    return {"en": "en", "zh": "zh-CN"}.get(primary)


def choose_language(requested: str | None, interview_language: str | None, accepted: Iterable[str]) -> str:
    """``?lang=`` first, then the interview's language, then the browser's preference, then English."""
    for candidate in (requested, interview_language, *accepted):
        chosen = normalise(candidate)
        if chosen is not None:
            return chosen
    return DEFAULT
