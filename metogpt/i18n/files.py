"""Attachments: the composer's files, the chips and thumbnails on messages, and the errors of
services/files/ (English, Russian)."""

FILES: dict[str, tuple[str, str]] = {
    "error.file_too_large": (
        "This file is too large: {message}.",
        "Файл слишком большой: {message}.",
    ),
    "error.too_many_files": (
        "Too many files in one message: {message}.",
        "Слишком много файлов в одном сообщении: {message}.",
    ),
    "error.upload_quota": (
        "Your files take all the space you have ({message}). Delete a conversation with files.",
        "Ваши файлы заняли всё доступное место ({message}). Удалите беседу с файлами.",
    ),
    "error.file_type": (
        "This kind of file is not supported. Attach images (PNG, JPEG, WebP, GIF), PDFs or "
        "text files.",
        "Такой тип файла не поддерживается. Прикрепите изображение (PNG, JPEG, WebP, GIF), "
        "PDF или текстовый файл.",
    ),
    "error.image_too_large": (
        "This image has too many pixels: {message}.",
        "В изображении слишком много пикселей: {message}.",
    ),
    "error.bad_file": (
        "This file is damaged or cannot be read: {message}.",
        "Файл повреждён или не читается: {message}.",
    ),
    "error.file_not_found": ("File not found.", "Файл не найден."),
    "error.file_in_use": (
        "This file was already sent and stays with its message.",
        "Этот файл уже отправлен и остаётся в своём сообщении.",
    ),
    "error.no_vision": (
        "The model {message} cannot see images. Choose a model that can, or remove the images.",
        "Модель {message} не видит изображения. Выберите другую модель или уберите изображения.",
    ),
    "error.files_too_long": (
        "The attached files do not fit in the model's context window ({message}).",
        "Прикреплённые файлы не помещаются в контекстное окно модели ({message}).",
    ),
}
